using SeSPHR.Phr.Sections;

namespace SeSPHR.Client.Grants;

/// <summary>
/// A grant of sections to every user of a role (a SeSPHR role code such as <c>researcher</c>), with
/// the members the patient's client approved: only they have kfrags and appear in the grant
/// statement. Each member is kept as a <see cref="GranteeRecord"/> under the role's Consent id, with
/// the role grant's sections to read and to write and its period, so kfrags, statement entries and
/// write grants are made exactly as for a grantee named alone.
/// </summary>
public sealed class RoleGrant
{
    public required string ConsentId { get; init; }

    public required string Role { get; init; }

    /// <summary>The sections the members read (kfrags exist for these).</summary>
    public required IReadOnlyList<PhrSection> Sections { get; init; }

    /// <summary>The sections the members write (Consent <c>collect</c>/<c>correct</c>, statement action write); none by default.</summary>
    public IReadOnlyList<PhrSection> WriteSections { get; init; } = [];

    public required DateTimeOffset Start { get; init; }

    public DateTimeOffset? End { get; init; }

    public List<GranteeRecord> Members { get; init; } = [];

    /// <summary>
    /// The sections that move to a new epoch when the grant or a member's access ends: those read and
    /// those written, since readers accept a member's envelope only at an epoch its write grant was signed for.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<PhrSection> RekeyedOnEnd => [.. Sections.Union(WriteSections)];

    public GranteeRecord MemberRecord(string userId, string fhirUser, string fingerprintHex, string umbralPublicKey) =>
        new(ConsentId, userId, fhirUser, fingerprintHex, umbralPublicKey, Sections, Start, End) { WriteSections = WriteSections };
}

/// <summary>The grant book's role grants and the one list of grantees a statement names.</summary>
public static class RoleGrantBook
{
    public static RoleGrant? FindRoleGrant(this GrantBook book, string consentId) =>
        book.RoleGrants.FirstOrDefault(g => g.ConsentId == consentId);

    /// <summary>
    /// Everyone the next statement names: each grantee named alone, then each approved role member.
    /// A user granted both ways appears once, with the sections to read and to write of both; for a
    /// section granted both ways the grant named alone decides the period (a statement holds one
    /// grant per grantee and section).
    /// </summary>
    public static IReadOnlyList<GranteeRecord> StatementGrantees(this GrantBook book)
    {
        var merged = new List<GranteeRecord>();
        foreach (var record in book.Grantees.Concat(book.RoleGrants.SelectMany(g => g.Members)))
        {
            var index = merged.FindIndex(m => m.GranteeUserId == record.GranteeUserId);
            if (index < 0)
            {
                merged.Add(record);
                continue;
            }

            var known = merged[index];
            merged[index] = known with
            {
                Sections = [.. known.Sections, .. record.Sections.Where(s => !known.Sections.Contains(s))],
                WriteSections = [.. known.WriteSections, .. record.WriteSections.Where(s => !known.WriteSections.Contains(s))],
            };
        }

        return merged;
    }
}
