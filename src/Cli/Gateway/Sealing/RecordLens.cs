using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Http;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Errors;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Reading;
using SeSPHR.Client.Records;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Cli.Gateway.Sealing;

/// <summary>
/// The user's view of a record, one resource at a time: a write is sealed as the user's own client
/// seals it (the patient to their current section keys, a grantee under its write grant), and a
/// read is opened as far as the user may open it. A section the user may not open keeps its
/// encrypted-section extension on the resource the app receives, so nothing is silently dropped.
/// </summary>
internal sealed class RecordLens(GatewayUser account) : IDisposable
{
    private readonly GranteeReader _reader = new(account.User);
    private readonly SemaphoreSlim _granteeState = new(1, 1);

    private PhrUser User => account.User;

    /// <exception cref="GatewayRequestException">the type is not in the section policy, or the resource names no patient.</exception>
    public async Task<Resource> SealAsync(Resource resource)
    {
        var policy = PolicyOf(resource);
        if (!policy.HasProtectedSection)
        {
            return resource;
        }

        var patient = PatientOf(resource)
            ?? throw new GatewayRequestException(StatusCodes.Status422UnprocessableEntity, $"The {resource.TypeName} names no patient ({policy.PatientElement}); its sections cannot be sealed.");
        if (IsOwn(patient))
        {
            return new PatientRecord(User, Book()).Seal(resource);
        }

        await _granteeState.WaitAsync();
        try
        {
            return await new GranteeWriter(User, _reader).SealAsync(patient, resource);
        }
        catch (InvalidOperationException refused)
        {
            // The patient's statement does not let this user write here; the message names sections only.
            throw new GatewayRequestException(StatusCodes.Status403Forbidden, refused.Message);
        }
        finally
        {
            _granteeState.Release();
        }
    }

    /// <summary>Opens each resource; the grants of each other patient named are learnt once for the lot.</summary>
    public async Task<IReadOnlyList<Resource>> OpenAsync(IReadOnlyList<Resource> resources)
    {
        var opened = new List<Resource>(resources.Count);
        var learnt = new HashSet<string>(StringComparer.Ordinal);
        foreach (var resource in resources)
        {
            opened.Add(await OpenAsync(resource, learnt));
        }

        return opened;
    }

    private async Task<Resource> OpenAsync(Resource resource, HashSet<string> learnt)
    {
        if (resource is not DomainResource domain || EncryptedSectionExtension.ReadAll(domain).Count == 0)
        {
            return resource;
        }

        var patient = PatientOf(resource);
        if (patient is null)
        {
            return resource;
        }

        if (IsOwn(patient))
        {
            return Verified(() => new PatientRecord(User, Book()).OpenOwnWithGranteeWrites(resource));
        }

        await _granteeState.WaitAsync();
        try
        {
            if (learnt.Add(patient))
            {
                await _reader.LearnAsync(patient);
            }

            return Verified(() => _reader.Open(patient, resource).Resource);
        }
        finally
        {
            _granteeState.Release();
        }
    }

    public void Dispose() => _granteeState.Dispose();

    private static Resource Verified(Func<Resource> open)
    {
        try
        {
            return open();
        }
        catch (EnvelopeException failure)
        {
            throw new TamperedEnvelopeException("A sealed section's envelope or signature does not verify.", failure);
        }
        catch (UmbralException failure)
        {
            throw new InvalidCapsuleFragmentException("A re-encrypted fragment does not verify for this section and reader.", failure);
        }
        catch (UnknownSectionKeyException failure)
        {
            throw new TamperedEnvelopeException("A section is sealed to a key no grant statement of the patient names.", failure);
        }
    }

    private bool IsOwn(string patient) => User.Role == SrsRoles.Patient && patient == User.FhirUser;

    // Read at every use: a grant or revocation made with another sesphr command moves the epochs on.
    private GrantBook Book() =>
        new GrantJournal(account.JournalFolder).LoadBook()
        ?? new GrantBook { PatientUserId = User.RequireUserId, PatientFhirUser = User.FhirUser };

    private static ResourcePolicy PolicyOf(Resource resource) =>
        SectionPolicy.IsSupported(resource.TypeName)
            ? SectionPolicy.For(resource)
            : throw new GatewayRequestException(StatusCodes.Status422UnprocessableEntity, $"The section policy does not know {resource.TypeName}; the gateway passes on only the types it knows.");

    /// <summary>The patient whose record holds the resource, as <c>Patient/{id}</c>; null when it names none.</summary>
    public static string? PatientOf(Resource resource)
    {
        if (resource is Patient)
        {
            return resource.Id is null ? null : "Patient/" + resource.Id;
        }

        if (!SectionPolicy.IsSupported(resource.TypeName) || SectionPolicy.For(resource).PatientElement is not { } element)
        {
            return null;
        }

        var reference = resource.EnumerateElements().FirstOrDefault(e => e.Key == element).Value as ResourceReference;
        return reference?.Reference is { } value ? Relative(value) : null;
    }

    // An absolute reference names the same patient by its last two segments.
    private static string Relative(string reference)
    {
        var parts = reference.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 ? $"{parts[^2]}/{parts[^1]}" : reference;
    }
}
