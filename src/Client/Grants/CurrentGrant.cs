using SeSPHR.Phr.Sections;

namespace SeSPHR.Client.Grants;

/// <summary>
/// One current grant as the patient lists it: to a user named alone (<see cref="GranteeFhirUser"/>,
/// with the key fingerprint the patient approved) or to every member of a <see cref="Role"/>.
/// </summary>
public sealed record CurrentGrant(
    string ConsentId,
    string? GranteeFhirUser,
    string? GranteeUserId,
    string? Role,
    IReadOnlyList<PhrSection> Read,
    IReadOnlyList<PhrSection> Write,
    DateTimeOffset Start,
    DateTimeOffset? End,
    string? FingerprintHex)
{
    /// <summary>Approved members of a role grant; none for a grant to one user.</summary>
    public int Members { get; init; }
}

public static class CurrentGrants
{
    /// <summary>Every grant in the book: those to users named alone first, then those to roles.</summary>
    public static IReadOnlyList<CurrentGrant> Current(this GrantBook book)
    {
        ArgumentNullException.ThrowIfNull(book);
        return
        [
            .. book.Grantees.Select(g => new CurrentGrant(g.ConsentId, g.GranteeFhirUser, g.GranteeUserId, null, g.Sections, g.WriteSections, g.Start, g.End, g.FingerprintHex)),
            .. book.RoleGrants.Select(r => new CurrentGrant(r.ConsentId, null, null, r.Role, r.Sections, r.WriteSections, r.Start, r.End, null) { Members = r.Members.Count }),
        ];
    }
}
