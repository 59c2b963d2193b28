using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Features.Access.Audit;
using SeSPHR.FhirServer.Features.Access.Consents;
using SeSPHR.FhirServer.Features.Access.Srs;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Storage;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;

namespace SeSPHR.FhirServer.Features.Access;

/// <summary>A resource about to be returned, with what the policy needs to shape it.</summary>
public sealed record Disclosed(string ResourceType, string LogicalId, long VersionId, string? Patient, string? Section, string? Json)
{
    public static Disclosed Of(StoredResource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return new(resource.ResourceType, resource.LogicalId, resource.VersionId, resource.Patient, resource.Section, resource.Json);
    }

    public static Disclosed Of(StoredResourceVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        return new(version.ResourceType, version.LogicalId, version.VersionId, version.Patient, version.Section, version.Json);
    }
}

/// <summary>
/// Shapes every returned resource in one place, for every path (read, vread, search and includes,
/// history, $everything, Bundle entries): envelopes of sections the caller may not read leave the
/// resource (a Patient without <c>personal</c> is then served masked, as its clear part already is);
/// envelopes of another patient's record that the caller may read get their cfrags from ONE
/// re-encryption call per response (less those the SRS already issued to this caller under the same
/// Consents, which are replayed: <see cref="IssuedCfrags"/>), and an envelope the SRS refuses leaves too. cfrags found in storage
/// are never served (only the SRS's answer for this caller is). Every protected resource returned is
/// audited, the audit commit running beside the SRS call, and the response waits for the audit to be
/// durable. The caller's own record needs no SRS.
/// </summary>
public sealed class ResponseShaper(
    RequestAccess access,
    IReencryptionGateway gateway,
    IssuedCfrags issued,
    IAccessAudit audit,
    FhirSerialization serialization)
{
    private List<CapsuleToReencrypt>? _deferred;

    /// <summary>
    /// For a batch or transaction: the entries are shaped one by one (stripping and audit at once),
    /// but their capsules wait for <see cref="CompleteDeferredAsync"/>, so the whole Bundle makes one
    /// re-encryption call. Meanwhile each readable envelope carries a random marker as its cfrag.
    /// </summary>
    public void DeferReencryption() => _deferred ??= [];

    /// <summary>The one re-encryption call of a deferred response: markers become cfrags, refused envelopes leave.</summary>
    /// <exception cref="FhirException">503 when the SRS is unavailable.</exception>
    public async Task<string> CompleteDeferredAsync(string json, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(json);
        var pending = _deferred;
        _deferred = null;
        if (pending is not { Count: > 0 } || access.Caller is not { } caller)
        {
            return json;
        }

        var answers = await ReencryptAsync(caller, pending, cancellationToken);
        var refused = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in pending)
        {
            if (answers.TryGetValue(item.Ref, out var cfrag))
            {
                json = json.Replace(item.Ref, Convert.ToBase64String(cfrag), StringComparison.Ordinal);
            }
            else
            {
                refused.Add(item.Ref);
            }
        }

        if (refused.Count == 0)
        {
            return json;
        }

        var bundle = serialization.ParseStored(json);
        DropMarked(bundle, refused);
        return Encoding.UTF8.GetString(serialization.SerializeToJsonUtf8(bundle));
    }

    private static void DropMarked(Resource resource, HashSet<string> markers)
    {
        if (resource is Bundle bundle)
        {
            foreach (var entry in bundle.Entry.Where(e => e.Resource is not null))
            {
                DropMarked(entry.Resource!, markers);
            }
        }
        else if (resource is DomainResource domain)
        {
            domain.Extension.RemoveAll(extension => EncryptedSectionExtension.IsEncryptedSection(extension)
                && extension.Extension.Any(part => part.Url == EncryptedSectionExtension.CapsuleFragmentUrl
                    && part.Value is Base64Binary { Value: { } bytes } && markers.Contains(Convert.ToBase64String(bytes))));
        }
    }

    /// <summary>
    /// The cfrag of each capsule the caller gets, by ref: what the SRS issued to this caller for the same
    /// capsule under the same Consents is replayed (<see cref="IssuedCfrags"/>), the rest goes to the SRS
    /// in one call. A capsule without an answer here is withheld.
    /// </summary>
    private async Task<Dictionary<string, byte[]>> ReencryptAsync(Caller caller, List<CapsuleToReencrypt> items, CancellationToken cancellationToken)
    {
        var answers = new Dictionary<string, byte[]>(items.Count, StringComparer.Ordinal);
        var asked = new Dictionary<string, (CapsuleToReencrypt Item, string? Stamp)>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var stamp = access.ConsentStampOf(item.Patient);
            if (stamp is not null && issued.Find(caller.UserId, stamp, item) is { } replayed)
            {
                answers.TryAdd(item.Ref, replayed);
            }
            else
            {
                asked.TryAdd(item.Ref, (item, stamp));
            }
        }

        if (asked.Count == 0)
        {
            return answers;
        }

        IReadOnlyList<ReencryptionResult> results;
        try
        {
            results = await gateway.ReencryptAsync(caller.UserId, [.. asked.Values.Select(a => a.Item)], cancellationToken);
        }
        catch (SrsUnavailableException)
        {
            throw new FhirException(StatusCodes.Status503ServiceUnavailable, OperationOutcome.IssueType.Transient,
                "The re-encryption service is unavailable; try again later.");
        }

        foreach (var result in results)
        {
            if (result.Cfrag is not { } cfrag || result.Refused is not null || !answers.TryAdd(result.Ref, cfrag))
            {
                continue;
            }

            if (asked.TryGetValue(result.Ref, out var request) && request.Stamp is { } stamp)
            {
                issued.Keep(caller.UserId, stamp, request.Item, cfrag, result.Until);
            }
        }

        return answers;
    }

    /// <summary>The JSON to serve for each item (null stays null), in order.</summary>
    /// <exception cref="FhirException">503 when the SRS or the audit log is unavailable: never a partial answer.</exception>
    public async Task<StoredResource> ShapeAsync(StoredResource resource, string action, CancellationToken cancellationToken) =>
        resource.WithJson((await ShapeAsync([Disclosed.Of(resource)], action, cancellationToken))[0]);

    public async Task<StoredResourceVersion> ShapeAsync(StoredResourceVersion version, string action, CancellationToken cancellationToken) =>
        version.WithJson((await ShapeAsync([Disclosed.Of(version)], action, cancellationToken))[0]);

    public async Task<IReadOnlyList<string?>> ShapeAsync(IReadOnlyList<Disclosed> items, string action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (access.Caller is not { } caller)
        {
            // No authentication configured and no token: the plain FHIR configuration serves as stored.
            return items.Select(i => i.Json).ToList();
        }

        // The audit commit runs beside the SRS call: its records name the resources served, which do
        // not depend on the SRS's answer, so the response waits for the longer of the two, not for both
        // in a row. The SRS call goes out first, being the longer: the audit's first commit runs on this
        // thread up to its insert (GroupCommitAccessAudit), and before that, it delayed the SRS request.
        var audited = items.Where(i => i.Json is not null && i.Patient is not null).ToList();
        var shaping = ShapeProtectedAsync(caller, items, cancellationToken);
        var auditing = AuditAsync(caller, audited, action, AccessOutcome.Success, cancellationToken);
        string?[] shaped;
        try
        {
            shaped = await shaping;
        }
        catch (FhirException unavailable) when (unavailable.StatusCode == StatusCodes.Status503ServiceUnavailable)
        {
            // Only the SRS makes shaping fail with 503. The access may already be on record as served:
            // once that record is down, a second one says this request failed, so the patient's log
            // never shows a success alone for a read that answered 503. If the audit itself failed,
            // the answer is a 503 all the same.
            await auditing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (auditing.IsCompletedSuccessfully)
            {
                await AuditAsync(caller, audited, action, AccessOutcome.Failed, cancellationToken);
            }

            throw;
        }
        catch
        {
            // Never leave the audit unobserved (a cancelled or failed request).
            await auditing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }

        // Nothing is served before the audit is durable; its failure is a 503 (AuditAsync).
        await auditing;
        return shaped;
    }

    private async Task<string?[]> ShapeProtectedAsync(Caller caller, IReadOnlyList<Disclosed> items, CancellationToken cancellationToken)
    {
        var output = items.Select(i => i.Json).ToArray();
        var parsed = new Dictionary<int, EncryptedSectionsJson>();
        var requests = new List<(CapsuleToReencrypt Item, EncryptedSectionsJson.Section Section)>();
        for (var index = 0; index < items.Count; index++)
        {
            var item = items[index];
            if (item.Json is null || item.Patient is null || caller.IsPatient(item.Patient)
                || !item.Json.Contains(EncryptedSectionExtension.Url, StringComparison.Ordinal))
            {
                continue;
            }

            // The envelopes are edited in the stored JSON itself: no FHIR model is built for a read.
            if (EncryptedSectionsJson.Parse(item.Json) is not { } resource)
            {
                continue;
            }

            parsed[index] = resource;
            var recordAccess = access.AccessTo(item.Patient);
            // cfrags are answers for one caller: Sections() has already dropped whatever was stored.
            foreach (var envelope in resource.Sections())
            {
                if (!PhrSectionCodes.TryParse(envelope.Code, out var section)
                    || (access.ConsentCheck && recordAccess?.Decide(section, AccessAction.Read, item.ResourceType, item.LogicalId) != ConsentDecision.Permit)
                    || envelope.Header is not { } header)
                {
                    envelope.Withhold();
                    continue;
                }

                // Deferred: a random marker that is its own canonical base64 (32 hex digits), replaced later.
                var reference = _deferred is null
                    ? requests.Count.ToString(CultureInfo.InvariantCulture)
                    : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
                requests.Add((new CapsuleToReencrypt(reference, item.Patient, section.ToCode(), header.Epoch, header.Capsule), envelope));
            }
        }

        if (_deferred is not null)
        {
            foreach (var (request, envelope) in requests)
            {
                envelope.AddCapsuleFragment(request.Ref);
                _deferred.Add(request);
            }
        }
        else if (requests.Count > 0)
        {
            var answers = await ReencryptAsync(caller, requests.Select(r => r.Item).ToList(), cancellationToken);
            foreach (var (request, envelope) in requests)
            {
                if (answers.TryGetValue(request.Ref, out var cfrag))
                {
                    envelope.AddCapsuleFragment(Convert.ToBase64String(cfrag));
                }
                else
                {
                    envelope.Withhold();
                }
            }
        }

        foreach (var (index, resource) in parsed)
        {
            output[index] = resource.ToJson();
        }

        return output;
    }

    /// <summary>
    /// The representation a write answers with (create, update, patch, Bundle entries), when the
    /// caller asked for one (<c>Prefer: return=representation</c>, the default): shaped and audited
    /// exactly as a read of it, so a grantee that may write a section but not read it, or whose update
    /// kept an envelope it may not read, gets no envelope back that a read would withhold, and gets
    /// cfrags for what it may read. <c>return=minimal</c> and <c>operationoutcome</c> serve no resource,
    /// so nothing is shaped. The patient's own writes come back as written: nothing in their own record
    /// is withheld from them, and the write itself is audited by the store.
    /// </summary>
    /// <exception cref="FhirException">503 when the SRS or the audit log is unavailable.</exception>
    public async Task<StoredResource> ShapeWrittenAsync(StoredResource written, ReturnPreference preference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(written);
        if (preference != ReturnPreference.Representation || access.Caller is not { } caller || written.Json is null
            || written.Patient is null || caller.IsPatient(written.Patient))
        {
            return written;
        }

        return await ShapeAsync(written, "read", cancellationToken);
    }

    /// <summary>One record per protected resource, durable before the response is written; failure is a 503.</summary>
    public async System.Threading.Tasks.Task AuditAsync(Caller caller, IReadOnlyList<Disclosed> items, string action, AccessOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(items);
        await CommitAsync(items.Select(i => new AccessRecord(
            access.At, caller.UserId, caller.Role.ToCode(), caller.FhirUser, i.Patient!,
            $"{i.ResourceType}/{i.LogicalId}", i.VersionId, i.Section, action, outcome, access.RequestId)).ToList(), cancellationToken);
    }

    /// <summary>
    /// A count (<c>_summary=count</c>, <c>_total</c>) tells how many resources of each record the caller
    /// may see without serving one: one <c>count</c> record per patient's record it counted in, durable
    /// before the answer, as for a read.
    /// </summary>
    public async System.Threading.Tasks.Task AuditCountAsync(IReadOnlyList<string> countedRecords, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(countedRecords);
        if (access.Caller is not { } caller)
        {
            return;
        }

        await CommitAsync(countedRecords.Select(patient => new AccessRecord(
            access.At, caller.UserId, caller.Role.ToCode(), caller.FhirUser, patient,
            patient, null, null, "count", AccessOutcome.Success, access.RequestId)).ToList(), cancellationToken);
    }

    private async System.Threading.Tasks.Task CommitAsync(List<AccessRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return;
        }

        try
        {
            await audit.RecordAsync(records, cancellationToken);
        }
        catch (Exception failure) when (failure is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new FhirException(StatusCodes.Status503ServiceUnavailable, OperationOutcome.IssueType.Transient,
                "The access could not be audited; nothing is served without an audit record. Try again later.");
        }
    }
}
