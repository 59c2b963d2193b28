using Microsoft.EntityFrameworkCore;
using SeSPHR.Srs.Features.Accounts;
using SeSPHR.Srs.Storage;

namespace SeSPHR.Srs.Features.Grants;

/// <summary>
/// One grant a Consent implies, as the FhirServer sends it (<c>ConsentGrants.Of</c>): a grantee by
/// <see cref="GranteeFhirUser"/>, every user of <see cref="Role"/>, or (both null) everyone; a period
/// with null bounds open.
/// </summary>
public sealed record ConsentGrant(string? GranteeFhirUser, string? Role, string Section, bool Read, DateTimeOffset? Start, DateTimeOffset? End);

public sealed record ReconcileResult(int Active, int Deleted);

/// <summary>
/// Makes a Consent's kfrags match what the Consent now grants, in one transaction: pending kfrags the
/// grants cover become active, every kfrag's period is clamped to its grant, and every kfrag the
/// grants do not cover (or whose clamped period is over, or whose grantee is not active) is deleted, so an inactive or deleted
/// Consent (no grants) leaves no kfrag behind. Cached cfrags of the Consent are dropped. The
/// Consent's role grants are kept (<see cref="RoleGrantRecord"/>) to list members who joined later.
/// </summary>
/// <remarks>
/// A kfrag holds one period. When the grants cover it in several disjoint stretches (a nested deny
/// in the middle), it keeps the stretch that holds now, else the next one to begin.
/// </remarks>
public sealed class GrantReconciler(SrsDbContext db, IKeyDirectory directory, CfragCache cache, TimeProvider clock)
{
    public async Task<ReconcileResult> ReconcileAsync(string consentId, string patient, IReadOnlyList<ConsentGrant> grants, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grants);
        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var keys = await db.ReencryptionKeys
            .FromSql($"SELECT * FROM srs.reencryption_keys WHERE \"ConsentId\" = {consentId} FOR UPDATE")
            .ToListAsync(cancellationToken);

        var grantees = new Dictionary<Guid, DirectoryEntry?>();
        var kept = new List<ReencryptionKey>();
        var deleted = 0;
        foreach (var key in keys)
        {
            if (!grantees.TryGetValue(key.GranteeUserId, out var grantee))
                grantees[key.GranteeUserId] = grantee = await directory.FindAsync(key.GranteeUserId, cancellationToken);
            // A grantee who is not active (left their role, suspended) keeps no kfrag: one uploaded
            // while they were leaving is deleted here instead of activated.
            var period = key.PatientFhirUser == patient && grantee is { Status: AccountStatus.Active } ? CoveredPeriod(key, grantee, grants, now) : null;
            if (period is not { } covered)
            {
                db.ReencryptionKeys.Remove(key);
                deleted++;
                continue;
            }

            (key.Start, key.End) = covered;
            if (key.State == ReencryptionKeyState.Pending)
            {
                key.State = ReencryptionKeyState.Active;
                key.ActivatedAt = now;
            }

            kept.Add(key);
        }

        // A re-upload for a slot that was already active replaces it: the newest kfrag wins.
        foreach (var slot in kept.GroupBy(k => (k.Section, k.Epoch, k.GranteeUserId)).Where(g => g.Count() > 1))
        {
            foreach (var older in slot.OrderByDescending(k => k.CreatedAt).ThenByDescending(k => k.Id).Skip(1))
            {
                db.ReencryptionKeys.Remove(older);
                kept.Remove(older);
                deleted++;
            }
        }

        await RecordRoleGrantsAsync(consentId, patient, grants, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        cache.Invalidate(consentId);
        return new ReconcileResult(kept.Count, deleted);
    }

    // What the Consent now grants to roles replaces what it granted before, so a revoked or narrowed
    // role grant stops listing pending members at once.
    private async Task RecordRoleGrantsAsync(string consentId, string patient, IReadOnlyList<ConsentGrant> grants, CancellationToken cancellationToken)
    {
        await db.RoleGrants.Where(r => r.ConsentId == consentId).ExecuteDeleteAsync(cancellationToken);
        db.RoleGrants.AddRange(grants
            .Where(g => g.Read && g.Role is not null && g.GranteeFhirUser is null)
            .Select(g => new RoleGrantRecord { ConsentId = consentId, PatientFhirUser = patient, Role = g.Role!, Section = g.Section, Start = g.Start, End = g.End }));
    }

    private static (DateTimeOffset Start, DateTimeOffset? End)? CoveredPeriod(
        ReencryptionKey key, DirectoryEntry grantee, IReadOnlyList<ConsentGrant> grants, DateTimeOffset now)
    {
        var stretches = grants
            .Where(g => g.Read && g.Section == key.Section && Names(g, grantee))
            .Select(g => Intersect(key, g))
            .Where(p => p is { } period && (period.End is null || period.End > now))
            .Select(p => p!.Value)
            .ToList();
        if (stretches.Count == 0)
            return null;
        var current = stretches.FindIndex(p => p.Start <= now);
        return current >= 0 ? stretches[current] : stretches.MinBy(p => p.Start);
    }

    private static bool Names(ConsentGrant grant, DirectoryEntry grantee) =>
        grant.GranteeFhirUser is not null ? grant.GranteeFhirUser == grantee.FhirUser
        : grant.Role is null || grant.Role == grantee.Role;

    private static (DateTimeOffset Start, DateTimeOffset? End)? Intersect(ReencryptionKey key, ConsentGrant grant)
    {
        var start = grant.Start is { } grantStart && grantStart > key.Start ? grantStart : key.Start;
        DateTimeOffset? end = (key.End, grant.End) switch
        {
            (null, var e) => e,
            (var e, null) => e,
            ({ } a, { } b) => a < b ? a : b,
        };
        return end is null || end > start ? (start, end) : null;
    }
}
