using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Features.Access.Audit;
using SeSPHR.FhirServer.Features.Access.Consents;
using SeSPHR.FhirServer.Features.Access.Srs;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Features.Access;

/// <summary>
/// The write side of the policy, at the one point every write path goes through (create, update,
/// patch, delete, batch and transaction entries): before anything is committed it checks that the
/// caller may write each resource (<see cref="WriteGuard"/>, DESIGN.md §4 "Writes"), judging a write that
/// moves a resource to another patient, section or owner on both, and that every new envelope is the caller's own writing in a
/// section it may write (<see cref="EnvelopeWriters"/>), and tells the SRS what each changed Consent now grants
/// (<see cref="IGrantReconciler"/>), so a revocation is never committed while kfrags still exist;
/// after the commit it audits the writes to patients' records.
/// </summary>
public sealed class GuardedResourceStore(
    MartenResourceStore inner,
    RequestAccess access,
    IGrantReconciler reconciler,
    ResponseShaper shaper,
    WriteGuard guard,
    EnvelopeWriters envelopeWriters,
    FhirSerialization serialization) : IResourceStore
{
    public Task<StoredResource?> ReadAsync(string resourceType, string logicalId, CancellationToken cancellationToken) =>
        inner.ReadAsync(resourceType, logicalId, cancellationToken);

    public Task<IReadOnlyDictionary<string, StoredResource>> ReadManyAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken) =>
        inner.ReadManyAsync(keys, cancellationToken);

    public Task<StoredResourceVersion?> ReadVersionAsync(string resourceType, string logicalId, long versionId, CancellationToken cancellationToken) =>
        inner.ReadVersionAsync(resourceType, logicalId, versionId, cancellationToken);

    public async System.Threading.Tasks.Task CommitAsync(IReadOnlyList<ResourceWrite> writes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writes);
        // Only a write that replaces a row has a current version to judge: a create's id is new (a
        // server-assigned one, or one the writer just found free), and if a concurrent writer took it
        // meanwhile the commit's plain insert collides on the key instead of overwriting anything.
        var replaced = writes.Where(w => w.ReplacesExisting).Select(w => w.Resource.Id).ToList();
        IReadOnlyDictionary<string, StoredResource> current = replaced.Count == 0
            ? new Dictionary<string, StoredResource>()
            : await inner.ReadManyAsync(replaced, cancellationToken);
        if (access.ConsentCheck)
        {
            var committing = writes.ToDictionary(w => w.Resource.Id, w => w.Resource, StringComparer.Ordinal);
            foreach (var write in writes)
            {
                var next = write.Resource;
                await guard.RequireAsync(next.ResourceType, next.LogicalId, next.IsDeleted ? WriteKind.Delete : WriteKind.Write,
                    next.IsDeleted ? null : guard.Filed(next), current.GetValueOrDefault(next.Id), cancellationToken, committing);
            }
        }
        else if (access.Caller is { } signedIn)
        {
            // Unfiltered test build: still, only a patient changes what the SRS is told they grant.
            foreach (var write in writes.Where(w => w.Resource.ResourceType == "Consent"))
            {
                var before = current.GetValueOrDefault(write.Resource.Id)?.Patient;
                if (write.Resource.Patient is not { } patient || !signedIn.IsPatient(patient) || (before is not null && !signedIn.IsPatient(before)))
                {
                    throw new FhirException(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden,
                        "Only the patient whose Consent it is may write it.");
                }
            }
        }

        // Whatever the Consent check says, nobody signs envelopes as somebody else.
        if (access.Caller is { } envelopeWriter)
        {
            foreach (var write in writes)
            {
                envelopeWriters.Check(envelopeWriter, write, current.GetValueOrDefault(write.Resource.Id));
            }
        }

        var consents = writes.Where(w => w.Resource.ResourceType == "Consent").ToList();
        foreach (var write in consents)
        {
            var stored = write.Resource;
            var grants = stored.IsDeleted || stored.Json is null || serialization.ParseStored(stored.Json) is not Consent consent
                ? []
                : ConsentGrants.Of(consent);
            var patient = stored.Patient ?? current.GetValueOrDefault(stored.Id)?.Patient ?? "";
            try
            {
                await reconciler.ReconcileAsync(stored.Id, patient, grants, cancellationToken);
            }
            catch (SrsUnavailableException)
            {
                throw new FhirException(StatusCodes.Status503ServiceUnavailable, OperationOutcome.IssueType.Transient,
                    "The SRS did not confirm the Consent change, so nothing was changed; try again later.");
            }
        }

        await inner.CommitAsync(writes, cancellationToken);
        if (consents.Count > 0)
        {
            // What this request may read next (a transaction's searches) follows the new Consents.
            await access.RefreshAsync(cancellationToken);
        }

        if (access.Caller is { } writer)
        {
            var records = writes.Where(w => w.Resource.Patient is not null).Select(w => new Disclosed(
                w.Resource.ResourceType, w.Resource.LogicalId, w.Resource.VersionId, w.Resource.Patient, w.Resource.Section, w.Resource.Json)).ToList();
            foreach (var group in records.GroupBy(r => ActionOf(writes, current, r)))
            {
                await shaper.AuditAsync(writer, group.ToList(), group.Key, AccessOutcome.Success, cancellationToken);
            }
        }
    }

    private static string ActionOf(IReadOnlyList<ResourceWrite> writes, IReadOnlyDictionary<string, StoredResource> current, Disclosed record)
    {
        var key = StoredResource.KeyOf(record.ResourceType, record.LogicalId);
        var write = writes.First(w => w.Resource.Id == key);
        return write.Resource.IsDeleted ? "delete" : current.GetValueOrDefault(key) is { IsDeleted: false } ? "update" : "create";
    }
}
