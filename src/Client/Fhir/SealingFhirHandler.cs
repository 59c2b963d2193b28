using System.Net.Http.Headers;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Records;

namespace SeSPHR.Client.Fhir;

/// <summary>
/// The SDK's FHIR pipeline as an <see cref="HttpMessageHandler"/>: an ordinary FHIR client (Firely's
/// <c>FhirClient</c>, or a gateway forwarding an app's requests) writes and reads resources in the clear
/// on the caller's side, and only sealed, signed resources cross to the FhirServer. Writes are sealed
/// on the way out (<see cref="RequestSealing"/>), answers are verified and opened on the way back
/// (<see cref="ResponseOpening"/>), each request carries the user's current FhirServer token, and a
/// record that does not verify raises the SDK's typed errors rather than reaching the caller.
/// </summary>
/// <remarks>
/// Requests must address the FHIR base the handler was made for; others pass unchanged. Bodies are
/// FHIR JSON. A still-sealed section is marked in the resource (<see cref="SealedSectionMarks"/>).
/// </remarks>
public sealed class SealingFhirHandler : DelegatingHandler
{
    private readonly RecordKeyring _keyring;
    private readonly Func<string?> _accessToken;
    private readonly RequestSealing _sealing;
    private readonly ResponseOpening _opening;

    /// <param name="fhirBase">the FhirServer's FHIR base (ending in <c>/fhir/</c>).</param>
    /// <param name="keyring">how this caller seals and opens (<see cref="PatientKeyring"/>, <see cref="GranteeKeyring"/>).</param>
    /// <param name="accessToken">the user's current FhirServer token, asked for on every request so a renewal takes effect at once.</param>
    /// <param name="innerHandler">the handler that sends to the FhirServer; a new <see cref="SocketsHttpHandler"/> when null.</param>
    public SealingFhirHandler(Uri fhirBase, RecordKeyring keyring, Func<string?> accessToken, HttpMessageHandler? innerHandler = null)
        : base(innerHandler ?? new SocketsHttpHandler())
    {
        ArgumentNullException.ThrowIfNull(fhirBase);
        _keyring = keyring ?? throw new ArgumentNullException(nameof(keyring));
        _accessToken = accessToken ?? throw new ArgumentNullException(nameof(accessToken));
        _sealing = new RequestSealing(fhirBase, keyring);
        _opening = new ResponseOpening(keyring);
    }

    /// <summary>The patient acting on their own record.</summary>
    public static SealingFhirHandler ForPatient(PatientRecord record, HttpMessageHandler? innerHandler = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new SealingFhirHandler(record.Patient.Endpoints.Fhir, new PatientKeyring(record), () => record.Patient.AccessToken, innerHandler);
    }

    /// <summary>A grantee acting on the records of the patients that granted it access.</summary>
    public static SealingFhirHandler ForGrantee(PhrUser grantee, HttpMessageHandler? innerHandler = null)
    {
        ArgumentNullException.ThrowIfNull(grantee);
        return new SealingFhirHandler(grantee.Endpoints.Fhir, new GranteeKeyring(grantee), () => grantee.AccessToken, innerHandler);
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_accessToken() is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        await _sealing.SealAsync(request, cancellationToken);
        var response = await base.SendAsync(request, cancellationToken);
        try
        {
            await _opening.OpenAsync(response, cancellationToken);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _keyring is IDisposable owned)
        {
            owned.Dispose();
        }

        base.Dispose(disposing);
    }
}
