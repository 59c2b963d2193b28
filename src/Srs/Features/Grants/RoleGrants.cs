using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SeSPHR.Srs.Features.Accounts;
using SeSPHR.Srs.Storage;

namespace SeSPHR.Srs.Features.Grants;

/// <summary>
/// One read grant a Consent makes to every user of a role, as the FhirServer last reconciled it. The
/// SRS keeps these only to tell the patient's client who joined the role since it made kfrags
/// (<see cref="PendingMembers"/>): a role grant alone never lets the SRS re-encrypt for anyone, since
/// kfrags exist only for members the patient's client approved.
/// </summary>
public sealed class RoleGrantRecord
{
    public long Id { get; set; }

    /// <summary><c>Consent/{id}</c>, as the kfrags of that Consent name it.</summary>
    public required string ConsentId { get; set; }

    public required string PatientFhirUser { get; set; }

    public required string Role { get; set; }

    public required string Section { get; set; }

    public DateTimeOffset? Start { get; set; }

    /// <summary>Exclusive; null means until revoked.</summary>
    public DateTimeOffset? End { get; set; }
}

internal sealed class RoleGrantRecordConfiguration : IEntityTypeConfiguration<RoleGrantRecord>
{
    public void Configure(EntityTypeBuilder<RoleGrantRecord> builder)
    {
        builder.ToTable("role_grants");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.ConsentId).HasMaxLength(80);
        builder.Property(r => r.PatientFhirUser).HasMaxLength(256);
        builder.Property(r => r.Role).HasMaxLength(32);
        builder.Property(r => r.Section).HasMaxLength(32);
        builder.HasIndex(r => r.ConsentId);
        builder.HasIndex(r => r.PatientFhirUser);
    }
}

/// <summary>
/// Lists, for the patient who asks and only for their own Consents, the active members of every role
/// they granted (period not over) who hold no kfrag (pending or active) of that Consent for a granted
/// section. The patient themselves is never listed.
/// </summary>
public sealed class PendingMembers(SrsDbContext db, TimeProvider clock)
{
    /// <summary>At most this many members per role are considered; a larger role needs paging (not offered yet).</summary>
    public const int MaxMembersPerRole = 500;

    public async Task<IReadOnlyList<PendingMemberResponse>> ListAsync(Guid patientUserId, string? consentId, CancellationToken cancellationToken)
    {
        var self = await db.Accounts.AsNoTracking().Where(a => a.Id == patientUserId)
            .Select(a => new { a.FhirUser, a.Username }).SingleOrDefaultAsync(cancellationToken);
        if (self is null)
            return [];
        var patient = self.FhirUser;
        var now = clock.GetUtcNow();
        var grants = (await db.RoleGrants.AsNoTracking()
                .Where(r => r.PatientFhirUser == patient && (consentId == null || r.ConsentId == consentId))
                .ToListAsync(cancellationToken))
            .Where(r => r.End is null || r.End > now)
            .ToList();
        if (grants.Count == 0)
            return [];

        var roles = grants.Select(g => g.Role).Distinct().ToList();
        var consents = grants.Select(g => g.ConsentId).Distinct().ToList();
        var members = new Dictionary<string, List<Account>>(StringComparer.Ordinal);
        foreach (var role in roles)
        {
            members[role] = await db.Accounts.AsNoTracking()
                .Where(a => a.Role == role && a.Status == AccountStatus.Active && a.Id != patientUserId)
                .OrderBy(a => a.Username)
                .Take(MaxMembersPerRole)
                .ToListAsync(cancellationToken);
        }

        var held = (await db.ReencryptionKeys.AsNoTracking()
                .Where(k => k.PatientUserId == patientUserId && consents.Contains(k.ConsentId))
                .Select(k => new { k.ConsentId, k.GranteeUserId, k.Section })
                .Distinct()
                .ToListAsync(cancellationToken))
            .Select(k => (k.ConsentId, k.GranteeUserId, k.Section))
            .ToHashSet();

        var pending = new List<PendingMemberResponse>();
        foreach (var grant in grants.GroupBy(g => (g.ConsentId, g.Role)).OrderBy(g => g.Key.ConsentId, StringComparer.Ordinal).ThenBy(g => g.Key.Role, StringComparer.Ordinal))
        {
            var sections = grant.Select(g => g.Section).Distinct().Order(StringComparer.Ordinal).ToList();
            foreach (var member in members[grant.Key.Role])
            {
                var missing = sections.Where(s => !held.Contains((grant.Key.ConsentId, member.Id, s))).ToList();
                if (missing.Count == 0)
                    continue;
                pending.Add(new PendingMemberResponse(
                    grant.Key.ConsentId, grant.Key.Role, missing, member.Id, member.Username, member.CreatedAt,
                    Convert.ToBase64String(member.UmbralPublicKey), Convert.ToBase64String(member.SigningPublicKey), member.Fingerprint,
                    new SelfChosenNames(member.FhirUser, Resembles(member, self.FhirUser, self.Username))));
            }
        }

        return pending;
    }

    private static bool Resembles(Account member, string patientFhirUser, string patientUsername)
    {
        string[] own = [IdOf(patientFhirUser), patientUsername];
        return own.Contains(IdOf(member.FhirUser), StringComparer.OrdinalIgnoreCase)
               || own.Contains(member.Username, StringComparer.OrdinalIgnoreCase);
    }

    private static string IdOf(string reference) => reference[(reference.IndexOf('/', StringComparison.Ordinal) + 1)..];
}

/// <summary>
/// A member leaving: an admin suspends the account or withdraws its approval. The status changes and
/// every kfrag made for the account is deleted in the same transaction, so the SRS cannot re-encrypt
/// for them again even if the account is later reinstated: the patient's client must approve them
/// anew, and on its next run moves the sections they could read to a new epoch.
/// </summary>
public sealed class MemberDeparture(SrsDbContext db, TimeProvider clock)
{
    /// <summary>False when there is no such account.</summary>
    public async Task<bool> LeaveAsync(Guid userId, AccountStatus status, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var changed = await db.Accounts.Where(a => a.Id == userId)
            .ExecuteUpdateAsync(set => set.SetProperty(a => a.Status, status).SetProperty(a => a.WithdrawnAt, clock.GetUtcNow()), cancellationToken);
        if (changed != 1)
            return false;

        // The cfrag cache is keyed by kfrag row and consulted only after that row was read active,
        // so deleting the rows is enough to stop cached cfrags too.
        await db.ReencryptionKeys.Where(k => k.GranteeUserId == userId).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }
}

/// <summary>
/// Adds <c>srs.role_grants</c> to a database created before role grants existed: EnsureCreated
/// builds tables only in an empty database, and without this table every Consent reconcile, and so
/// every Consent write on the FhirServer, would fail. The DDL is what EnsureCreated makes for
/// <see cref="RoleGrantRecordConfiguration"/>.
/// </summary>
public static class RoleGrantSchema
{
    private const string Ddl = """
        CREATE TABLE IF NOT EXISTS srs.role_grants (
            "Id" bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            "ConsentId" character varying(80) NOT NULL,
            "PatientFhirUser" character varying(256) NOT NULL,
            "Role" character varying(32) NOT NULL,
            "Section" character varying(32) NOT NULL,
            "Start" timestamp with time zone NULL,
            "End" timestamp with time zone NULL);
        CREATE INDEX IF NOT EXISTS "IX_role_grants_ConsentId" ON srs.role_grants ("ConsentId");
        CREATE INDEX IF NOT EXISTS "IX_role_grants_PatientFhirUser" ON srs.role_grants ("PatientFhirUser");
        """;

    public static async Task EnsureAsync(SrsDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        await db.Database.ExecuteSqlRawAsync(Ddl, cancellationToken);
    }
}
