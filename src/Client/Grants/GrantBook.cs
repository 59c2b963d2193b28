using SeSPHR.Phr.Sections;

namespace SeSPHR.Client.Grants;

/// <summary>
/// One grantee as the patient approved them, with the Consent that carries the grant:
/// <see cref="Sections"/> they read (kfrags exist for these) and <see cref="WriteSections"/> they write.
/// </summary>
public sealed record GranteeRecord(
    string ConsentId,
    string GranteeUserId,
    string GranteeFhirUser,
    string FingerprintHex,
    string UmbralPublicKey,
    IReadOnlyList<PhrSection> Sections,
    DateTimeOffset Start,
    DateTimeOffset? End)
{
    /// <summary>Sections the grantee may write (Consent <c>collect</c>/<c>correct</c>, statement action write); none by default.</summary>
    public IReadOnlyList<PhrSection> WriteSections { get; init; } = [];
}

/// <summary>
/// The patient's own bookkeeping of their grants, kept on the patient's device: the current key
/// epoch of each section, the number and time of the newest grant statement, and every current
/// grantee. It is what the next grant statement is built from, so it moves forward only.
/// </summary>
public sealed class GrantBook
{
    /// <summary>Epochs start at 1; every end of access moves a section one epoch on.</summary>
    public const uint FirstEpoch = 1;

    public required string PatientUserId { get; init; }

    public required string PatientFhirUser { get; init; }

    public long StatementNumber { get; set; }

    /// <summary>Fixed with the number, so a statement rebuilt during repair has the very same bytes.</summary>
    public DateTimeOffset StatementIssuedAt { get; set; }

    public Dictionary<PhrSection, uint> Epochs { get; init; } = PhrSectionCodes.All.ToDictionary(s => s, _ => FirstEpoch);

    public List<GranteeRecord> Grantees { get; init; } = [];

    /// <summary>Grants to every approved member of a role (<see cref="RoleGrantBook"/>).</summary>
    public List<RoleGrant> RoleGrants { get; init; } = [];

    public uint EpochOf(PhrSection section) => Epochs[section];

    public GranteeRecord? FindGrantee(string consentId) => Grantees.FirstOrDefault(g => g.ConsentId == consentId);

    /// <summary>The next statement: one number on, issued now (to the millisecond the statement keeps).</summary>
    public void AdvanceStatement(DateTimeOffset now)
    {
        StatementNumber++;
        StatementIssuedAt = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds());
    }
}
