using Hl7.Fhir.Model;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Client.Reading;

/// <summary>A resource as a grantee could open it: merged where cfrags came with an envelope, the rest still sealed.</summary>
public sealed record OpenedResource(Resource Resource, IReadOnlyList<PhrSection> Opened, IReadOnlyList<PhrSection> StillSealed);

/// <summary>
/// The grantee's side of decryption, free of HTTP: for each sealed section that arrived with cfrags,
/// the cfrags are verified (patient's kfrag signature, the section's delegating key for that epoch,
/// the grantee's own key, the envelope's capsule) and the envelope's writer signature checked against
/// the writers the patient allows (the patient, and grantees that prove a write grant from the
/// patient's statement, <see cref="StatementWriters"/>), before
/// anything is decrypted. Sections without cfrags stay sealed. The kfrag signatures found valid go to
/// <paramref name="verifiedKFragSignatures"/>, which a reader keeps across resources: the cfrags of one
/// kfrag all carry the same one.
/// </summary>
public sealed class SectionOpener(
    SecretKey receivingKey, PublicKey patientSigningKey, Func<PhrSection, uint, PublicKey?> sectionKey, VerifiedSignatures? verifiedKFragSignatures = null)
{
    /// <exception cref="EnvelopeException">an envelope or its signature does not verify.</exception>
    /// <exception cref="UmbralException">a cfrag does not verify.</exception>
    /// <exception cref="UnknownSectionKeyException">no grant statement or Consent named the section's key for that epoch.</exception>
    public OpenedResource Open(Resource resource)
    {
        if (resource is not DomainResource domain)
        {
            return new OpenedResource(resource, [], []);
        }

        var sealedSections = EncryptedSectionExtension.ReadAll(domain);
        var withCfrags = sealedSections.Where(s => s.CapsuleFragments.Count > 0).Select(s => s.Section).ToList();
        var without = sealedSections.Where(s => s.CapsuleFragments.Count == 0).Select(s => s.Section).ToList();
        if (withCfrags.Count == 0)
        {
            return new OpenedResource(resource, [], without);
        }

        // Open only what can be opened; the other sections' extensions stay on the result as they came.
        var openable = (DomainResource)domain.DeepCopy();
        var kept = openable.Extension
            .Where(e => EncryptedSectionExtension.IsEncryptedSection(e) && EncryptedSectionExtension.FromExtension(e).CapsuleFragments.Count == 0)
            .ToList();
        openable.Extension.RemoveAll(kept.Contains);
        var opened = (DomainResource)SectionSealer.Open(openable, Recipient, StatementWriters.For(openable, patientSigningKey));
        opened.Extension.AddRange(kept);
        return new OpenedResource(opened, withCfrags, without);
    }

    private EnvelopeRecipient Recipient(EncryptedSectionExtension sealedSection)
    {
        var delegatingKey = sectionKey(sealedSection.Section, sealedSection.Epoch)
            ?? throw new UnknownSectionKeyException(sealedSection.Section, sealedSection.Epoch);
        return EnvelopeRecipient.Grantee(receivingKey, delegatingKey, patientSigningKey, sealedSection.CapsuleFragments.Select(c => CapsuleFrag.FromBytes(c)), verifiedKFragSignatures);
    }
}

/// <summary>The grantee knows no delegating key for a (section, epoch): it cannot check the cfrags, so it opens nothing.</summary>
public sealed class UnknownSectionKeyException(PhrSection section, uint epoch)
    : Exception($"No delegating key is known for {section.ToCode()} epoch {epoch}.");
