using SeSPHR.Crypto.Grants;
using SeSPHR.Phr.Sections;
using SeSPHR.SystemTests.Driver.Accounts;

namespace SeSPHR.SystemTests.Driver.Grants;

/// <summary>
/// Builds the patient's signed grant statement from the grant book: every section with its current
/// epoch and delegating public key, every grantee (named alone or an approved role member) with the
/// fingerprint the patient approved and one grant per section it reads or writes (actions read,
/// write or both) for the Consent's period.
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

    public static SignedGrantStatement BuildSigned(GrantBook book, UserKeys patientKeys) =>
        Build(book, patientKeys).Sign(patientKeys.Signer);
}
