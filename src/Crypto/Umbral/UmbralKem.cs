using SeSPHR.Crypto.Primitives;

namespace SeSPHR.Crypto.Umbral;

/// <summary>
/// Umbral as a key-encapsulation mechanism, for layers that bring their own AEAD. The shared
/// secret (the 33-byte compressed shared point) is known only to the encryptor, the delegating
/// key's owner and a receiver holding a threshold of verified capsule fragments. Never use it as
/// a key directly: derive your key from it with HKDF and a label of your own, so your keys stay
/// independent of Umbral's DEM key and of every other layer's.
/// </summary>
public static class UmbralKem
{
    /// <summary>Length of every shared secret returned here.</summary>
    public const int SharedSecretSize = Secp256k1.PointSize;

    /// <summary>A fresh capsule for <paramref name="delegatingKey"/> and its shared secret (which the caller disposes).</summary>
    public static (Capsule Capsule, SecretBytes SharedSecret) Encapsulate(PublicKey delegatingKey, IRandomSource? rng = null)
    {
        ArgumentNullException.ThrowIfNull(delegatingKey);
        return Capsule.Encapsulate(delegatingKey, rng ?? SystemRandomSource.Instance);
    }

    /// <summary>The capsule's shared secret, recovered by the delegating key's owner.</summary>
    public static SecretBytes DecapsulateOriginal(SecretKey delegatingKey, Capsule capsule)
    {
        ArgumentNullException.ThrowIfNull(delegatingKey);
        ArgumentNullException.ThrowIfNull(capsule);
        return capsule.OpenOriginal(delegatingKey);
    }

    /// <summary>
    /// The capsule's shared secret, recovered by a receiver from at least threshold verified
    /// capsule fragments of this capsule.
    /// </summary>
    /// <exception cref="TooFewCapsuleFragsException">None, or fewer than the threshold, or not for this capsule and receiver.</exception>
    /// <exception cref="MismatchedCapsuleFragsException">Fragments from different key-fragment sets.</exception>
    /// <exception cref="RepeatedCapsuleFragsException">The same fragment twice.</exception>
    public static SecretBytes DecapsulateReencrypted(
        SecretKey receivingKey, PublicKey delegatingKey, Capsule capsule, IEnumerable<VerifiedCapsuleFrag> cfrags)
    {
        ArgumentNullException.ThrowIfNull(receivingKey);
        ArgumentNullException.ThrowIfNull(delegatingKey);
        ArgumentNullException.ThrowIfNull(capsule);
        ArgumentNullException.ThrowIfNull(cfrags);
        return capsule.OpenReencrypted(receivingKey, delegatingKey, [.. cfrags.Select(c => c.CapsuleFrag)]);
    }
}
