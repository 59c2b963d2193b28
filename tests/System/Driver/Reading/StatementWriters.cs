using Hl7.Fhir.Model;
using SeSPHR.Crypto.Grants;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;

namespace SeSPHR.SystemTests.Driver.Reading;

/// <summary>
/// Which envelope writers a reader accepts (DESIGN.md §3): the patient, by the signing key the reader
/// pinned, and a grantee the patient's verified grant statement names with write in that section.
/// An envelope names its writer's signing key and Umbral key; the two give the writer's key
/// fingerprint, which must be one the statement names, so neither the cloud nor the SRS (whose
/// section public keys and directory are public) can slip in an envelope of their own.
/// </summary>
/// <remarks>
/// The statement is the newest the reader holds, and the grant's period is not compared with the
/// time of writing (the server's <c>lastUpdated</c> is not signed): an envelope a grantee wrote while
/// allowed stops opening once a newer statement drops the grantee.
/// </remarks>
public static class StatementWriters
{
    public static Func<PhrSection, PublicKey, bool> For(Resource resource, PublicKey patientSigningKey, GrantStatement? statement)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(patientSigningKey);
        var allowed = new HashSet<(PhrSection, PublicKey)>();
        if (statement is not null && resource is DomainResource domain)
        {
            foreach (var envelope in EncryptedSectionExtension.ReadAll(domain))
            {
                if (envelope.WriterFingerprint() is { } writer
                    && statement.FindGrantee(writer)?.Grants.Any(g => g.Section == envelope.Section.ToCode() && (g.Actions & GrantActions.Write) != 0) == true)
                {
                    allowed.Add((envelope.Section, PublicKey.FromBytes(envelope.WriterKey)));
                }
            }
        }

        return (section, writer) => writer.Equals(patientSigningKey) || allowed.Contains((section, writer));
    }
}
