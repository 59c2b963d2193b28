using SeSPHR.Crypto.Primitives;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Crypto.Envelopes;

/// <summary>
/// The key material that opens an envelope: the section owner's secret key for that section and
/// epoch, or a grantee's own secret key with capsule fragments the proxy re-encrypted for them.
/// A grantee's fragments are verified against the envelope's capsule, the section key and the
/// delegator's kfrag-signing key before they are used, so fragments for another capsule, section,
/// epoch or receiver never open it.
/// </summary>
public abstract class EnvelopeRecipient
{
    private protected EnvelopeRecipient()
    {
    }

    /// <summary>The owner of the section key pair for the envelope's section and epoch.</summary>
    public static EnvelopeRecipient Owner(SecretKey sectionSecretKey)
    {
        ArgumentNullException.ThrowIfNull(sectionSecretKey);
        return new OwnerRecipient(sectionSecretKey);
    }

    /// <summary>
    /// A grantee holding <paramref name="receivingKey"/> and at least threshold capsule fragments
    /// of the envelope's capsule, produced from kfrags that <paramref name="kfragSignerKey"/>'s owner
    /// issued from <paramref name="sectionPublicKey"/> to the grantee. <paramref name="verifiedKFragSignatures"/>,
    /// kept across envelopes, checks each kfrag's signature once (every cfrag still has its proof checked).
    /// </summary>
    public static EnvelopeRecipient Grantee(
        SecretKey receivingKey, PublicKey sectionPublicKey, PublicKey kfragSignerKey, IEnumerable<CapsuleFrag> capsuleFrags, VerifiedSignatures? verifiedKFragSignatures = null)
    {
        ArgumentNullException.ThrowIfNull(receivingKey);
        ArgumentNullException.ThrowIfNull(sectionPublicKey);
        ArgumentNullException.ThrowIfNull(kfragSignerKey);
        ArgumentNullException.ThrowIfNull(capsuleFrags);
        return new GranteeRecipient(receivingKey, sectionPublicKey, kfragSignerKey, [.. capsuleFrags], verifiedKFragSignatures);
    }

    /// <summary>
    /// A grantee whose capsule fragments the caller already verified against this envelope's capsule
    /// (see <see cref="SectionEnvelope.ReadHeader"/>) with <see cref="CapsuleFrag.Verify"/>.
    /// </summary>
    public static EnvelopeRecipient Grantee(SecretKey receivingKey, PublicKey sectionPublicKey, IEnumerable<VerifiedCapsuleFrag> verifiedCapsuleFrags)
    {
        ArgumentNullException.ThrowIfNull(receivingKey);
        ArgumentNullException.ThrowIfNull(sectionPublicKey);
        ArgumentNullException.ThrowIfNull(verifiedCapsuleFrags);
        return new VerifiedGranteeRecipient(receivingKey, sectionPublicKey, [.. verifiedCapsuleFrags]);
    }

    /// <summary>The capsule's shared secret; throws an Umbral error when the material does not fit the capsule.</summary>
    internal abstract SecretBytes Decapsulate(Capsule capsule);

    private sealed class OwnerRecipient(SecretKey sectionSecretKey) : EnvelopeRecipient
    {
        internal override SecretBytes Decapsulate(Capsule capsule) => UmbralKem.DecapsulateOriginal(sectionSecretKey, capsule);
    }

    private sealed class GranteeRecipient(
        SecretKey receivingKey, PublicKey sectionPublicKey, PublicKey kfragSignerKey, CapsuleFrag[] capsuleFrags, VerifiedSignatures? verifiedKFragSignatures)
        : EnvelopeRecipient
    {
        internal override SecretBytes Decapsulate(Capsule capsule)
        {
            var verified = capsuleFrags
                .Select(c => c.Verify(capsule, kfragSignerKey, sectionPublicKey, receivingKey.PublicKey, verifiedKFragSignatures))
                .ToArray();
            return UmbralKem.DecapsulateReencrypted(receivingKey, sectionPublicKey, capsule, verified);
        }
    }

    private sealed class VerifiedGranteeRecipient(SecretKey receivingKey, PublicKey sectionPublicKey, VerifiedCapsuleFrag[] capsuleFrags)
        : EnvelopeRecipient
    {
        internal override SecretBytes Decapsulate(Capsule capsule) =>
            UmbralKem.DecapsulateReencrypted(receivingKey, sectionPublicKey, capsule, capsuleFrags);
    }
}
