using Microsoft.EntityFrameworkCore;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Srs.Features.Accounts;
using SeSPHR.Srs.Storage;

namespace SeSPHR.Srs.Features.Grants;

/// <summary>One capsule to re-encrypt; <see cref="Capsule"/> is null when its base64 did not decode.</summary>
public sealed record CapsuleRequest(string Ref, string Patient, string Section, uint Epoch, byte[]? Capsule);

/// <summary>A cfrag, or the refusal code (<see cref="ReencryptionOutcomes"/>).</summary>
public sealed record ReencryptionOutcome(string Ref, byte[]? Cfrag, string? Refused);

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
/// its capsule or cfrag.
/// </summary>
public sealed class ReencryptionService(SrsDbContext db, IKeyDirectory directory, CfragCache cache, TimeProvider clock)
{
    public async Task<IReadOnlyList<ReencryptionOutcome>> ReencryptAsync(
        Guid granteeUserId, IReadOnlyList<CapsuleRequest> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        var now = clock.GetUtcNow();
        var grantee = await directory.FindAsync(granteeUserId, cancellationToken);
        var keys = grantee is { Status: AccountStatus.Active } && items.Count > 0
            ? await LoadKeysAsync(granteeUserId, items, cancellationToken)
            : [];
        var bySlot = keys
            .GroupBy(k => (k.PatientFhirUser, k.Section, k.Epoch))
            .ToDictionary(g => g.Key, g => g.OrderByDescending(k => k.ActivatedAt).ThenByDescending(k => k.Id).ToList());

        var outcomes = new List<ReencryptionOutcome>(items.Count);
        foreach (var item in items)
        {
            var (outcome, key) = Decide(item, bySlot, now);
            db.ReencryptionLog.Add(new ReencryptionLogEntry
            {
                At = now,
                GranteeUserId = granteeUserId,
                PatientFhirUser = item.Patient,
                Section = item.Section,
                Epoch = item.Epoch,
                Outcome = outcome.Refused ?? ReencryptionOutcomes.Granted,
                ReencryptionKeyId = outcome.Cfrag is null ? null : key?.Id,
            });
            outcomes.Add(outcome);
        }

        await db.SaveChangesAsync(cancellationToken);
        return outcomes;
    }

    // One query for the whole batch: the grantee's active kfrags of the patients and sections named.
    private async Task<List<ReencryptionKey>> LoadKeysAsync(Guid granteeUserId, IReadOnlyList<CapsuleRequest> items, CancellationToken cancellationToken)
    {
        var patients = items.Select(i => i.Patient).Distinct(StringComparer.Ordinal).ToList();
        var sections = items.Select(i => i.Section).Distinct(StringComparer.Ordinal).ToList();
        return await db.ReencryptionKeys.AsNoTracking()
            .Where(k => k.GranteeUserId == granteeUserId && k.State == ReencryptionKeyState.Active
                && patients.Contains(k.PatientFhirUser) && sections.Contains(k.Section))
            .ToListAsync(cancellationToken);
    }

    private (ReencryptionOutcome Outcome, ReencryptionKey? Key) Decide(
        CapsuleRequest item, Dictionary<(string, string, long), List<ReencryptionKey>> bySlot, DateTimeOffset now)
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
            return (new ReencryptionOutcome(item.Ref, cached, null), key);

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
        cache.Add(key, item.Capsule, cfrag);
        return (new ReencryptionOutcome(item.Ref, cfrag, null), key);
    }

    private static ReencryptionOutcome Refuse(CapsuleRequest item, string code) => new(item.Ref, null, code);
}
