using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Errors;
using SeSPHR.Client.Reading;
using SeSPHR.Client.Records;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Client.Fhir;

/// <summary>
/// A grantee on the records its grants reach: each resource is filed under its patient
/// (<see cref="RecordPatient"/>); a write is sealed to the section keys the patient's verified grant
/// statement names and signed by the grantee; a read opens the sections the FhirServer attached
/// cfrags for, after checking them, and leaves the others sealed.
/// </summary>
/// <remarks>Safe to share between concurrent requests: what it learns about patients is guarded.</remarks>
public sealed class GranteeKeyring(PhrUser grantee) : RecordKeyring, IDisposable
{
    // The reader keeps the pinned keys and newest statements; requests in flight take turns with it.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly GranteeReader _reader = new(grantee);
    private readonly Dictionary<string, PatientTrust> _trusted = new(StringComparer.Ordinal);

    public override async Task<Resource> SealAsync(Resource resource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (!SectionPolicy.For(resource).HasProtectedSection)
        {
            // Directory, Consent and the like are clear as a whole; the server decides who writes them.
            return (Resource)resource.DeepCopy();
        }

        var patient = RecordPatient.Of(resource)
            ?? throw new WriteNotGrantedException($"The {resource.TypeName} names no patient whose record it would be written to.");
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await EnvelopeFailures.TranslateAsync(() => new GranteeWriter(grantee, _reader).SealAsync(patient, resource));
        }
        catch (InvalidOperationException refused)
        {
            throw new WriteNotGrantedException($"This user may not write the {resource.TypeName} into {patient}'s record: {refused.Message}", refused);
        }
        finally
        {
            _gate.Release();
        }
    }

    public override async Task PrepareAsync(IReadOnlyList<Resource> resources, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resources);
        var patients = resources.Where(HasEnvelopes).Select(RecordPatient.Of).OfType<string>().Distinct(StringComparer.Ordinal);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            foreach (var patient in patients)
            {
                _trusted[patient] = await EnvelopeFailures.TranslateAsync(() => _reader.LearnAsync(patient));
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public override OpenedResource Open(Resource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        _gate.Wait();
        try
        {
            return OpenPrepared(resource);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The gate is held once for the whole answer: what the opens read is only changed by a Prepare, which waits.</summary>
    public override IReadOnlyList<OpenedResource> OpenAll(IReadOnlyList<Resource> resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        _gate.Wait();
        try
        {
            return InParallel(resources, OpenPrepared);
        }
        finally
        {
            _gate.Release();
        }
    }

    private OpenedResource OpenPrepared(Resource resource)
    {
        if (!HasEnvelopes(resource))
        {
            return new OpenedResource(resource, [], []);
        }

        var patient = RecordPatient.Of(resource)
            ?? throw new TamperedEnvelopeException($"A sealed {resource.TypeName} names no patient, so its writer cannot be checked.");
        var trust = _trusted.GetValueOrDefault(patient)
            ?? throw new InvalidOperationException($"Prepare the answer before opening it: nothing is known yet about {patient}.");
        EnvelopeFailures.RequireAllowedWriters(resource, trust.SigningKey, onlyOpenable: true);
        return EnvelopeFailures.Translate(() => _reader.Open(patient, resource), withCapsuleFragments: true);
    }

    private static bool HasEnvelopes(Resource resource) =>
        resource is DomainResource domain && domain.Extension.Any(EncryptedSectionExtension.IsEncryptedSection);

    public void Dispose() => _gate.Dispose();
}
