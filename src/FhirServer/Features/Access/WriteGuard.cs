using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Features.Access.Consents;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Search;
using SeSPHR.FhirServer.Storage;
using SeSPHR.Phr.Sections;

namespace SeSPHR.FhirServer.Features.Access;

/// <summary>What a write does to the resource it names.</summary>
public enum WriteKind
{
    /// <summary>A create or an update: the new version is known.</summary>
    Write,

    /// <summary>A delete: no new version.</summary>
    Delete,

    /// <summary>A patch about to be applied: the caller must read and write the current version first.</summary>
    Patch,
}

/// <summary>
/// One version of a resource as the write rule sees it: the record and section it is filed under,
/// and its content when the rule needs it (a Provenance's targets, a directory entry's organisation).
/// </summary>
public sealed record FiledVersion(string? Patient, string? Section, Resource? Content);

/// <summary>
/// Who may write what (DESIGN.md §4 "Writes"), judged on the version a write replaces and on the one
/// it writes: in a patient's record, the patient and the grantees her Consents give
/// <c>collect</c>/<c>correct</c> on that section; a Consent, its patient; a Provenance, whoever may read
/// every target and write into the target's record; a directory entry (Practitioner,
/// PractitionerRole, Organization, Location, a Device of no record), the account it describes, the
/// organisation that manages it, or an admin; an AuditEvent, nobody.
/// It is asked twice: by the writer before anything that depends on what is stored (a version
/// precondition, the envelopes an update carries over, a patch's application), so that a caller who
/// may not write learns nothing of what is there; and at the commit, the one point every write path
/// passes (<see cref="GuardedResourceStore"/>). Every refusal that could depend on what is stored is
/// the same 403, whose text names only what the request named.
/// </summary>
public sealed class WriteGuard(RequestAccess access, DisclosurePolicy disclosure, MartenResourceStore store, FhirSerialization serialization)
{
    private readonly Dictionary<string, StoredResource> _staged = new(StringComparer.Ordinal);

    /// <summary>
    /// Notes a version this request is about to write, so that a Provenance further on in the same
    /// Bundle may name it before it is committed. Only the check before the commit looks at these;
    /// the commit's own check sees exactly what it commits.
    /// </summary>
    public void Stage(StoredResource written)
    {
        ArgumentNullException.ThrowIfNull(written);
        _staged[written.Id] = written;
    }

    /// <summary>
    /// Refuses (401, 403) unless the caller may do <paramref name="kind"/> to <paramref name="current"/>
    /// (null: none stored) leaving <paramref name="next"/>; <paramref name="committing"/>: the versions
    /// committed with it (a Provenance may name them), or null before the commit.
    /// </summary>
    public async System.Threading.Tasks.Task RequireAsync(
        string resourceType, string logicalId, WriteKind kind, FiledVersion? next, StoredResource? current, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, StoredResource>? committing = null)
    {
        ArgumentNullException.ThrowIfNull(resourceType);
        ArgumentNullException.ThrowIfNull(logicalId);
        if (!access.ConsentCheck)
        {
            return;
        }

        // Without a caller (authentication optional, no token) nobody can be judged: no write.
        var caller = access.Caller ?? throw new FhirException(StatusCodes.Status401Unauthorized, OperationOutcome.IssueType.Login,
            "Writes need an access token from the SRS (Authorization: Bearer).");
        if (TokenRefusal(resourceType, kind) is { } scopeRefusal)
        {
            throw new FhirException(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden, scopeRefusal);
        }

        if (!await MayAsync(caller, resourceType, logicalId, kind, next, current, committing ?? _staged, cancellationToken))
        {
            throw Refusal(resourceType, kind);
        }
    }

    /// <summary>The version <paramref name="stored"/> as the rule judges it, its content parsed only when the rule reads it.</summary>
    public FiledVersion Filed(StoredResource stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var content = stored.Json is { } json && ReadsContent(stored.ResourceType, stored.Patient, stored.Section) ? serialization.ParseStored(json) : null;
        return new FiledVersion(stored.Patient, stored.Section, content);
    }

    /// <summary>What the token's scopes refuse whatever is stored under the id: no write of this kind to the type at all.</summary>
    private string? TokenRefusal(string resourceType, WriteKind kind)
    {
        var scopes = access.Scopes;
        var allowed = kind == WriteKind.Delete
            ? scopes.Allows(resourceType, 'd')
            : scopes.Allows(resourceType, 'c') || scopes.Allows(resourceType, 'u');
        return allowed ? null : $"The access token's scopes do not allow this write to {resourceType}.";
    }

    private async Task<bool> MayAsync(
        Caller caller, string type, string id, WriteKind kind, FiledVersion? next, StoredResource? current,
        IReadOnlyDictionary<string, StoredResource> written, CancellationToken cancellationToken)
    {
        var replaces = current is { IsDeleted: false };
        var interaction = kind == WriteKind.Delete ? 'd' : replaces ? 'u' : 'c';
        if (!access.Scopes.Allows(type, interaction))
        {
            return false;
        }

        // A delete or a patch names something to change; nothing stored under the id is nothing the caller may change.
        if (kind != WriteKind.Write && current is null)
        {
            return false;
        }

        var own = access.OwnRecord;
        if (!access.Scopes.AllowsBeyondOwnRecord(type, interaction)
            && (own is null || (next is not null && next.Patient != own) || (current is not null && current.Patient != own)))
        {
            return false;
        }

        if (next is not null && !await MayWriteAsync(caller, type, id, next, written, cancellationToken))
        {
            return false;
        }

        // A tombstone of a Provenance or a directory entry has no content left to judge: it has no owner any more.
        if (current is not null && (!current.IsDeleted || !ReadsContent(type, current.Patient, current.Section) || kind != WriteKind.Write)
            && !await MayWriteAsync(caller, type, id, Filed(current), written, cancellationToken))
        {
            return false;
        }

        // A patch is applied to what is stored: only to what the caller may read.
        return kind != WriteKind.Patch || await disclosure.MayDiscloseAsync(current!, cancellationToken);
    }

    /// <summary>Whether the caller may write this version; <paramref name="written"/>: what a Provenance may name before it is stored (null: a Provenance's target, which names no further Provenance).</summary>
    private async Task<bool> MayWriteAsync(
        Caller caller, string type, string id, FiledVersion version, IReadOnlyDictionary<string, StoredResource>? written, CancellationToken cancellationToken)
    {
        switch (type)
        {
            case "AuditEvent":
                // The routes refuse these already (ResourceRegistry); kept so that no path can.
                return false;
            case "Consent":
                return version.Patient is { } subject && caller.IsPatient(subject);
        }

        if (version.Patient is { } patient)
        {
            return caller.IsPatient(patient)
                || (PhrSectionCodes.TryParse(version.Section, out var section)
                    && access.AccessTo(patient)?.Decide(section, AccessAction.Write, type, id) == ConsentDecision.Permit);
        }

        if (version.Section is not null)
        {
            // A protected section outside every record: nobody's to write but an admin's.
            return caller.Role == UserRole.Admin;
        }

        return type == "Provenance"
            ? written is not null && await MayWriteProvenanceAsync(caller, version.Content, written, cancellationToken)
            : caller.Role == UserRole.Admin || DirectoryOwners(type, id, version.Content).Contains(FhirReference.Normalize(caller.FhirUser));
    }

    /// <summary>
    /// A Provenance speaks about its targets, so only who may read every one of them and write into
    /// where each is filed may say something about them; one that names no target it can resolve, none.
    /// </summary>
    private async Task<bool> MayWriteProvenanceAsync(
        Caller caller, Resource? content, IReadOnlyDictionary<string, StoredResource> written, CancellationToken cancellationToken)
    {
        var targets = (content as Provenance)?.Target ?? [];
        var keys = new List<string>();
        foreach (var target in targets)
        {
            if (target.Reference is not { } reference || !ReferenceTarget.TryParse(reference, out var parsed))
            {
                return false;
            }

            keys.Add(parsed.ToString());
        }

        if (keys.Count == 0)
        {
            return false;
        }

        var stored = await store.ReadManyAsync(keys.Distinct(StringComparer.Ordinal).ToList(), cancellationToken);
        foreach (var key in keys)
        {
            var pending = written.GetValueOrDefault(key);
            if ((pending ?? stored.GetValueOrDefault(key)) is not { } target
                || !(pending is null ? await disclosure.MayDiscloseAsync(target, cancellationToken) : MayRead(caller, pending))
                || !await MayWriteAsync(caller, target.ResourceType, target.LogicalId, Filed(target), written: null, cancellationToken))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether the caller may read a version not stored yet, by the same rule the disclosure filter applies to stored rows.</summary>
    private bool MayRead(Caller caller, StoredResource version)
    {
        if (!disclosure.Filters)
        {
            return true;
        }

        return version.Patient is { } patient
            ? caller.IsPatient(patient) || access.Readable.Admits(patient, version.Section, version.ResourceType, version.LogicalId)
            : version.Section is null && version.ResourceType is not ("Consent" or "AuditEvent" or "Provenance");
    }

    /// <summary>
    /// The accounts (<c>fhirUser</c>) that maintain a directory entry besides admins: the one it
    /// describes, and the Organization that its own organisation element names (a PractitionerRole's
    /// <c>organization</c>, a Location's <c>managingOrganization</c>, a Device's <c>owner</c>, an
    /// Organization's <c>partOf</c>). A Practitioner is its own account's alone: no organisation can
    /// claim one by naming it in a PractitionerRole.
    /// </summary>
    private static IEnumerable<string> DirectoryOwners(string type, string id, Resource? content)
    {
        yield return $"{type}/{id}";
        var organisation = content switch
        {
            PractitionerRole role => role.Organization,
            Location location => location.ManagingOrganization,
            Device device => device.Owner,
            Organization organization => organization.PartOf,
            _ => null,
        };
        if (organisation?.Reference is { } reference && ReferenceTarget.TryParse(reference, out var target) && target.Type == "Organization")
        {
            yield return target.ToString();
        }
    }

    /// <summary>Whether judging a version of this kind reads its content: a Provenance's targets, a directory entry's organisation.</summary>
    private static bool ReadsContent(string type, string? patient, string? section) =>
        patient is null && section is null && type is not ("Consent" or "AuditEvent");

    /// <summary>The one refusal of a write the caller may not make, whatever is or is not stored under the id (which it does not name: a conditional write's may be the server's choice).</summary>
    private static FhirException Refusal(string type, WriteKind kind)
    {
        var text = type switch
        {
            "Consent" => "Only the patient whose Consent it is may write it.",
            "AuditEvent" => "AuditEvents are written by the server.",
            _ => $"The caller may not {(kind == WriteKind.Delete ? "delete" : "write")} this {type}: a patient's Consents decide who writes into "
                + "their record, a directory entry is changed by the account it describes, its organisation or an admin, and a Provenance "
                + "by who may read every target and write where it is filed.",
        };
        return new FhirException(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden, text);
    }
}
