using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Features.Access.Audit;
using SeSPHR.FhirServer.Features.Access.Consents;
using SeSPHR.FhirServer.Features.Access.Srs;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Storage;
using SeSPHR.Phr.Sections;

namespace SeSPHR.FhirServer.Features.Access;

/// <summary>
/// The write side of the policy, at the one point every write path goes through (create, update,
/// patch, delete, batch and transaction entries): before anything is committed it checks that the
/// caller may write each resource (DESIGN.md §4 "Writes"), judging a write that moves a resource to
/// another patient or section on both, and that every new envelope is the caller's own writing in a
/// section it may write (<see cref="EnvelopeWriters"/>), and tells the SRS what each changed Consent now grants
/// (<see cref="IGrantReconciler"/>), so a revocation is never committed while kfrags still exist;
/// after the commit it audits the writes to patients' records.
/// </summary>
public sealed class GuardedResourceStore(
    MartenResourceStore inner,
    RequestAccess access,
    IGrantReconciler reconciler,
    ResponseShaper shaper,
    DisclosurePolicy disclosure,
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
            // Without a caller (authentication optional, no token) nobody can be judged: no write.
            var caller = access.Caller ?? throw new FhirException(StatusCodes.Status401Unauthorized, OperationOutcome.IssueType.Login,
                "Writes need an access token from the SRS (Authorization: Bearer).");
            foreach (var write in writes)
            {
                await AuthorizeAsync(caller, write, current.GetValueOrDefault(write.Resource.Id), cancellationToken);
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

    private async System.Threading.Tasks.Task AuthorizeAsync(Caller caller, ResourceWrite write, StoredResource? current, CancellationToken cancellationToken)
    {
        var next = write.Resource;
        var type = next.ResourceType;
        var interaction = next.IsDeleted ? 'd' : current is { IsDeleted: false } ? 'u' : 'c';
        var own = access.OwnRecord;
        string? refusal = null;
        if (!access.Scopes.Allows(type, interaction))
        {
            refusal = $"The access token's scopes do not allow this write to {type}.";
        }
        else if (!access.Scopes.AllowsBeyondOwnRecord(type, interaction)
                 && (next.Patient != own || (current is not null && current.Patient != own) || own is null))
        {
            refusal = "The access token's patient scopes allow writes to the caller's own record only.";
        }
        else if (type == "Consent")
        {
            if (next.Patient is null || !caller.IsPatient(next.Patient) || (current?.Patient is { } before && !caller.IsPatient(before)))
            {
                refusal = "Only the patient whose Consent it is may write it.";
            }
        }
        else if (type == "AuditEvent")
        {
            // The routes refuse these already (ResourceRegistry); kept so that no path can.
            refusal = "AuditEvents are written by the server.";
        }
        else
        {
            var judged = new List<(string? Patient, string? Section)> { (next.Patient, next.Section) };
            if (current is not null)
            {
                judged.Add((current.Patient, current.Section));
            }

            if (judged.Any(state => !MayWrite(caller, state.Patient, state.Section, type, next.LogicalId)))
            {
                refusal = "The caller's Consents do not allow writing this section of this patient's record.";
            }
        }

        if (refusal is null)
        {
            return;
        }

        // A resource the caller may not even read answers as a missing one, on writes too.
        if (current is not null && !await MayReadAsync(current, cancellationToken))
        {
            throw FhirException.NotFound(type, next.LogicalId);
        }

        throw new FhirException(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden, refusal);
    }

    private bool MayWrite(Caller caller, string? patient, string? section, string type, string id)
    {
        if (patient is null)
        {
            // Directory resources and shared definitions are maintained by admins and by the
            // professionals the admin approved (an EHR's practitioners, a pharmacy, an insurer), and
            // a user may keep their own directory entry (fhirUser) up to date; patients, family and
            // researchers read them only. A protected section outside every record: admins only.
            if (section is not null)
            {
                return caller.Role == UserRole.Admin;
            }

            // A Provenance is shown only to who may read every target it names, so any signed-in
            // writer (a patient recording where their data came from) may file one.
            return type == "Provenance"
                || caller.Role is UserRole.Admin or UserRole.Practitioner or UserRole.Pharmacist or UserRole.Insurer
                || FhirReference.Normalize(caller.FhirUser) == $"{type}/{id}";
        }

        if (caller.IsPatient(patient))
        {
            return true;
        }

        return PhrSectionCodes.TryParse(section, out var parsed)
            && access.AccessTo(patient)?.Decide(parsed, AccessAction.Write, type, id) == ConsentDecision.Permit;
    }

    private Task<bool> MayReadAsync(StoredResource current, CancellationToken cancellationToken) =>
        disclosure.MayDiscloseAsync(current, cancellationToken);
}
