using SeSPHR.Crypto.Grants;
using SeSPHR.Phr.Sections;
using SeSPHR.Client.Accounts;

namespace SeSPHR.Client.Grants;

/// <summary>
/// Builds the patient's grant statement from the grant book: every section with its current epoch
/// and delegating public key, every grantee (named alone or an approved role member) with the
/// fingerprint the patient approved and one grant per section it reads or writes (actions read,
/// write or both) for the Consent's period. What leaves the patient's device is only the signed
/// header and, for each grantee, its own openings (<see cref="IssuedStatement"/>).
/// </summary>
public static class GrantStatements
{
    public static GrantStatement Build(GrantBook book, UserKeys patientKeys)
    {
        if (book.StatementNumber < 1)
        {
            throw new InvalidOperationException("Advance the statement number before building a statement.");
        }

        var sections = PhrSectionCodes.All.Select(section =>
        {
            var epoch = book.EpochOf(section);
            return new SectionKey(section.ToCode(), epoch, patientKeys.Sections.PublicKey(section.ToCode(), epoch));
        });
        var grantees = book.StatementGrantees().Select(grantee => new GranteeGrants(
            grantee.GranteeUserId,
            KeyFingerprint.FromBytes(Convert.FromHexString(grantee.FingerprintHex)),
            grantee.Sections.Union(grantee.WriteSections).Distinct().Select(section => new SectionGrant(
                section.ToCode(), ActionsOf(grantee, section), grantee.Start, grantee.End)).ToList()));
        return new GrantStatement(book.PatientUserId, book.StatementNumber, book.StatementIssuedAt, sections, grantees);
    }

    private static GrantActions ActionsOf(GranteeRecord grantee, PhrSection section) =>
        (grantee.Sections.Contains(section) ? GrantActions.Read : GrantActions.None)
        | (grantee.WriteSections.Contains(section) ? GrantActions.Write : GrantActions.None);

    /// <summary>The statement committed under the patient's grant-salt key and its header signed.</summary>
    public static IssuedStatement Issue(GrantBook book, UserKeys patientKeys)
    {
        var committed = Build(book, patientKeys).Commit(patientKeys.GrantSaltKey());
        return new IssuedStatement(committed.Sign(patientKeys.Signer), committed);
    }
}

/// <summary>
/// A statement as the patient's client hands it out: the signed header, which every Consent and
/// upload carries, and the openings, of which each grantee gets only its own.
/// </summary>
public sealed record IssuedStatement(SignedGrantStatement SignedHeader, CommittedGrantStatement Committed)
{
    public IReadOnlyList<GrantOpening> OpeningsFor(string fingerprintHex) =>
        fingerprintHex.Length == 0 ? [] : Committed.OpeningsFor(KeyFingerprint.FromBytes(Convert.FromHexString(fingerprintHex)));
}
