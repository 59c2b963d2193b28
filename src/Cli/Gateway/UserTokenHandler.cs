using System.Net.Http.Headers;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Errors;

namespace SeSPHR.Cli.Gateway;

/// <summary>
/// Sends every request to the FhirServer with the signed-in user's own FHIR token, renewed before it
/// expires (one renewal at a time: concurrent app requests share it). The gateway's bearer token is
/// never passed on; it is good at the gateway only.
/// </summary>
internal sealed class UserTokenHandler(PhrUser user) : DelegatingHandler
{
    private readonly SemaphoreSlim _renewal = new(1, 1);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await CurrentTokenAsync(cancellationToken));
        return await base.SendAsync(request, cancellationToken);
    }

    private async Task<string> CurrentTokenAsync(CancellationToken cancellationToken)
    {
        if (user.AccessToken is null)
        {
            throw new NotSignedInException("The gateway's user holds no FHIR token.");
        }

        await _renewal.WaitAsync(cancellationToken);
        try
        {
            await user.RenewIfExpiringAsync();
        }
        catch (HttpRequestException failure)
        {
            throw new SrsUnavailableException("The SRS could not be reached to renew the sign-in.", failure);
        }
        finally
        {
            _renewal.Release();
        }

        return user.RequireAccessToken;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _renewal.Dispose();
        }

        base.Dispose(disposing);
    }
}
