using Hl7.Fhir.Model;
using SeSPHR.Crypto.Grants;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Client.Reading;

/// <summary>
/// Which envelope writers a reader accepts (DESIGN.md §3): the patient, by the signing key the reader
/// pinned, and a grantee whose envelope carries the proof of its write grant in that section: the
/// patient's signed statement header and the opening of the writer's entry under its root. The entry
/// must be the writer's (its key fingerprint, from the envelope's two keys), for that section, with
/// write, and the header must name the envelope's epoch as the section's current one; so neither
/// the cloud nor the SRS (whose section public keys and directory are public) can slip in an
/// envelope of their own, and the reader learns of the writer only that one entry.
/// </summary>
/// <remarks>
/// The grant's period is not compared with the time of writing (the server's <c>lastUpdated</c> is not
/// signed); the epoch is the bound instead: ending a writer's grant moves its sections to a new epoch,
/// and no statement names the writer at that epoch, so what it could still seal is confined to the
/// epochs in which it was allowed to write.
/// </remarks>
public static class StatementWriters
{
    public static Func<PhrSection, PublicKey, bool> For(Resource resource, PublicKey patientSigningKey)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(patientSigningKey);
        var allowed = new HashSet<(PhrSection, PublicKey)>();
        if (resource is DomainResource domain)
        {
            foreach (var envelope in EncryptedSectionExtension.ReadAll(domain))
            {
                if (IsGrantedWriter(envelope, patientSigningKey))
                {
                    allowed.Add((envelope.Section, PublicKey.FromBytes(envelope.WriterKey)));
                }
            }
        }

        return (section, writer) => writer.Equals(patientSigningKey) || allowed.Contains((section, writer));
    }

    private static bool IsGrantedWriter(EncryptedSectionExtension envelope, PublicKey patientSigningKey)
    {
        if (envelope.WriteGrant is not { } proofBytes || envelope.WriterFingerprint() is not { } writer)
        {
            return false;
        }

        try
        {
            var (header, entry) = GrantEntryProof.FromBytes(proofBytes).Verify(patientSigningKey);
            var section = envelope.Section.ToCode();
            return entry.Fingerprint.Equals(writer) && entry.Section == section && (entry.Grant.Actions & GrantActions.Write) != 0
                && header.FindSection(section)?.Epoch == envelope.Epoch;
        }
        catch (GrantStatementException)
        {
            return false;
        }
    }
}
