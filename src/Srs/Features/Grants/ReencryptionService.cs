using SeSPHR.Crypto.Umbral;
using SeSPHR.Srs.Features.Accounts;

namespace SeSPHR.Srs.Features.Grants;

/// <summary>One capsule to re-encrypt; <see cref="Capsule"/> is null when its base64 did not decode.</summary>
public sealed record CapsuleRequest(string Ref, string Patient, string Section, uint Epoch, byte[]? Capsule);

/// <summary>
/// A cfrag, or the refusal code (<see cref="ReencryptionOutcomes"/>). <see cref="Until"/> is the end of
/// the period of the kfrag a cfrag was made with (null: until revoked), which is as long as the caller
/// may keep that cfrag for this grantee.
/// </summary>
public sealed record ReencryptionOutcome(string Ref, byte[]? Cfrag, string? Refused, DateTimeOffset? Until = null);

/// <summary>The outcome codes of API.md; all but <see cref="Granted"/> are sent to the caller as <c>refused</c>.</summary>
public static class ReencryptionOutcomes
{
    public const string Granted = "granted";
    public const string NoGrant = "no-grant";
    public const string Expired = "expired";
    public const string BadCapsule = "bad-capsule";
}

/// <summary>
/// Re-encrypts capsules for a grantee only with an active kfrag of that patient, section and epoch
/// whose period covers now, and only while the grantee is active in the directory. Each item is
/// decided on its own (one bad capsule spoils only itself) and logged, granted or refused, without
/// its capsule or cfrag; the answer waits until those log rows are committed.
/// One database round trip reads the grantee's status and every item's kfrags
/// (<see cref="ReencryptionLookup"/>); the log rows share a group commit with concurrent calls
/// (<see cref="ReencryptionLog"/>).
/// </summary>
public sealed class ReencryptionService(ReencryptionLookup lookup, ReencryptionLog log, CfragCache cache, TimeProvider clock)
{
    /// <exception cref="ReencryptionLogUnavailableException">The log rows were not committed; the outcomes must not be sent.</exception>
    public async Task<IReadOnlyList<ReencryptionOutcome>> ReencryptAsync(
        Guid granteeUserId, IReadOnlyList<CapsuleRequest> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0)
            return [];
        var now = clock.GetUtcNow();
        var patients = items.Select(i => i.Patient).Distinct(StringComparer.Ordinal).ToList();
        var sections = items.Select(i => i.Section).Distinct(StringComparer.Ordinal).ToList();
        var grantee = await lookup.LoadAsync(granteeUserId, patients, sections, cancellationToken);
        // The look-up joins kfrags only for an active account; the status is checked again here so
        // that a change to the query can never hand a suspended grantee a cfrag.
        var keys = grantee.Status == AccountStatus.Active ? grantee.Kfrags : [];
        var bySlot = keys
            .GroupBy(k => (k.PatientFhirUser, k.Section, k.Epoch))
            .ToDictionary(g => g.Key, g => g.OrderByDescending(k => k.ActivatedAt).ThenByDescending(k => k.Id).ToList());

        var outcomes = new List<ReencryptionOutcome>(items.Count);
        var rows = new List<ReencryptionLogRow>(items.Count);
        foreach (var item in items)
        {
            var (outcome, key) = Decide(item, bySlot, now);
            rows.Add(new ReencryptionLogRow(
                now, granteeUserId, item.Patient, item.Section, item.Epoch,
                outcome.Refused ?? ReencryptionOutcomes.Granted, outcome.Cfrag is null ? null : key?.Id));
            outcomes.Add(outcome);
        }

        await log.RecordAsync(rows, cancellationToken);
        return outcomes;
    }

    private (ReencryptionOutcome Outcome, ActiveKfrag? Key) Decide(
        CapsuleRequest item, Dictionary<(string, string, long), List<ActiveKfrag>> bySlot, DateTimeOffset now)
    {
        if (!bySlot.TryGetValue((item.Patient, item.Section, item.Epoch), out var candidates))
            return (Refuse(item, ReencryptionOutcomes.NoGrant), null);
        var key = candidates.FirstOrDefault(k => k.Covers(now));
        if (key is null)
        {
            var ended = candidates.Any(k => k.End is { } end && end <= now);
            return (Refuse(item, ended ? ReencryptionOutcomes.Expired : ReencryptionOutcomes.NoGrant), null);
        }

        if (item.Capsule is null)
            return (Refuse(item, ReencryptionOutcomes.BadCapsule), key);
        if (cache.Find(key.Id, item.Capsule) is { } cached)
            return (new ReencryptionOutcome(item.Ref, cached, null, key.End), key);

        Capsule capsule;
        try
        {
            capsule = Capsule.FromBytes(item.Capsule);
        }
        catch (UmbralException)
        {
            return (Refuse(item, ReencryptionOutcomes.BadCapsule), key);
        }

        // Verified when it was uploaded (signer, delegating and receiving keys); stored bytes are trusted.
        var cfrag = UmbralPre.Reencrypt(capsule, VerifiedKeyFrag.FromVerifiedBytes(key.KeyFragBytes)).ToBytes();
        cache.Add(key.Id, key.ConsentId, key.End, item.Capsule, cfrag);
        return (new ReencryptionOutcome(item.Ref, cfrag, null, key.End), key);
    }

    private static ReencryptionOutcome Refuse(CapsuleRequest item, string code) => new(item.Ref, null, code);
}
