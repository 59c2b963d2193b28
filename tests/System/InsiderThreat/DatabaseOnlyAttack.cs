using Hl7.Fhir.Model;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;
using SeSPHR.Client.Reading;

namespace SeSPHR.SystemTests.InsiderThreat;

/// <summary>
/// What someone holding both databases can do with them: use every kfrag on every sealed section,
/// without the checks the SRS makes (no Consent, no period, no grantee), attach the cfrag the way
/// the FhirServer does, and try to open the section with whatever receiving keys they have. The
/// cfrags are real; opening needs the receiving secret key of the grantee the kfrag was made for,
/// which neither database holds.
/// </summary>
public static class DatabaseOnlyAttack
{
    /// <summary>The sections that opened, as <c>{type}/{id} {section} with kfrag #{n}</c>; empty when nothing did.</summary>
    public static IReadOnlyList<string> Run(
        IEnumerable<Resource> sealedResources,
        IReadOnlyList<KeyFrag> kfrags,
        IReadOnlyList<SecretKey> receivingKeys,
        PublicKey patientSigningKey,
        Func<PhrSection, uint, PublicKey?> sectionKey)
    {
        var opened = new List<string>();
        foreach (var resource in sealedResources.OfType<DomainResource>())
        {
            foreach (var section in EncryptedSectionExtension.ReadAll(resource))
            {
                var capsule = SectionEnvelope.ReadHeader(section.Envelope).Capsule;
                for (var n = 0; n < kfrags.Count; n++)
                {
                    // The holder of the SRS database needs no verification to use a kfrag.
                    var cfrag = UmbralPre.Reencrypt(capsule, VerifiedKeyFrag.FromVerifiedBytes(kfrags[n].ToBytes()));
                    var attempt = (DomainResource)resource.DeepCopy();
                    attempt.Extension.RemoveAll(EncryptedSectionExtension.IsEncryptedSection);
                    attempt.Extension.Add((section with { CapsuleFragments = [cfrag.ToBytes()] }).ToExtension());
                    foreach (var key in receivingKeys)
                    {
                        try
                        {
                            new SectionOpener(key, patientSigningKey, sectionKey).Open(attempt);
                            opened.Add($"{resource.TypeName}/{resource.Id} {section.Section.ToCode()} with kfrag #{n}");
                        }
                        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or UnknownSectionKeyException)
                        {
                            // Not for this key: the cfrag check or the decryption refused.
                        }
                    }
                }
            }
        }

        return opened;
    }
}
