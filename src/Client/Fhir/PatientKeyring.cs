using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using SeSPHR.Client.Reading;
using SeSPHR.Client.Records;
using SeSPHR.Phr.Envelopes;

namespace SeSPHR.Client.Fhir;

/// <summary>
/// The patient on their own record: sealed to the current epoch of each section with the patient's
/// own keys, opened with the patient's own section keys. An envelope is accepted from the patient and
/// from a grantee that proves a write grant in that section from one of the patient's signed statements.
/// </summary>
public sealed class PatientKeyring(PatientRecord record) : RecordKeyring
{
    public override Task<Resource> SealAsync(Resource resource, CancellationToken cancellationToken) =>
        Task.FromResult(record.Seal(resource));

    public override Task PrepareAsync(IReadOnlyList<Resource> resources, CancellationToken cancellationToken) => Task.CompletedTask;

    public override OpenedResource Open(Resource resource)
    {
        if (resource is not DomainResource domain || EncryptedSectionExtension.ReadAll(domain) is not { Count: > 0 } sealedSections)
        {
            return new OpenedResource(resource, [], []);
        }

        EnvelopeFailures.RequireAllowedWriters(resource, record.Patient.Keys.SigningPublicKey);
        var opened = EnvelopeFailures.Translate(() => record.OpenOwnWithGranteeWrites(resource));
        return new OpenedResource(opened, [.. sealedSections.Select(s => s.Section)], []);
    }
}
