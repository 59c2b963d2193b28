using SeSPHR.Crypto.Grants;
using SeSPHR.Phr.Sections;
using SeSPHR.SystemTests.Driver.Accounts;

namespace SeSPHR.SystemTests.Driver.Grants;

/// <summary>
/// Builds the patient's signed grant statement from the grant book: every section with its current
/// epoch and delegating public key, every grantee (named alone or an approved role member) with the
/// fingerprint the patient approved and a read grant per section for the Consent's period.
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
            grantee.Sections.Select(section => new SectionGrant(section.ToCode(), GrantActions.Read, grantee.Start, grantee.End)).ToList()));
        return new GrantStatement(book.PatientUserId, book.StatementNumber, book.StatementIssuedAt, sections, grantees);
    }

    public static SignedGrantStatement BuildSigned(GrantBook book, UserKeys patientKeys) =>
        Build(book, patientKeys).Sign(patientKeys.Signer);
}
