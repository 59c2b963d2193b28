using SeSPHR.Crypto.Primitives;

namespace SeSPHR.Crypto.Umbral;

/// <summary>
/// Umbral threshold proxy re-encryption, byte-compatible with <c>@nucypher/umbral-pre</c> 0.10.0.
/// Data encrypted to a delegating key opens only with that key, or with a threshold of capsule
/// fragments that proxies produced from key fragments the delegator issued for a specific
/// receiver; proxies themselves learn nothing about the plaintext or the keys. Every randomized
/// operation takes an optional <see cref="IRandomSource"/> and draws from it in the reference's order.
/// </summary>
public static class UmbralPre
{
    /// <summary>
    /// Encrypts <paramref name="plaintext"/> to <paramref name="delegatingKey"/>. The ciphertext is
    /// nonce(24) || XChaCha20-Poly1305 ciphertext || tag(16) and opens only with its capsule.
    /// Draws r (32), u (32) and the nonce (24).
    /// </summary>
    public static (Capsule Capsule, byte[] Ciphertext) Encrypt(PublicKey delegatingKey, ReadOnlySpan<byte> plaintext, IRandomSource? rng = null)
    {
        ArgumentNullException.ThrowIfNull(delegatingKey);
        rng ??= SystemRandomSource.Instance;
        var (capsule, sharedPoint) = Capsule.Encapsulate(delegatingKey, rng);
        using (sharedPoint)
            return (capsule, UmbralDem.Encrypt(sharedPoint, capsule, plaintext, rng));
    }

    /// <summary>Decrypts with the delegating secret key.</summary>
    /// <exception cref="DecryptionFailedException">Wrong key, or tampered ciphertext.</exception>
    public static byte[] DecryptOriginal(SecretKey delegatingKey, Capsule capsule, ReadOnlySpan<byte> ciphertext)
    {
        using var sharedPoint = UmbralKem.DecapsulateOriginal(delegatingKey, capsule);
        return UmbralDem.Decrypt(sharedPoint, capsule, ciphertext);
    }

    /// <summary>
    /// Splits the re-encryption key from <paramref name="delegatingKey"/> to
    /// <paramref name="receivingKey"/> into <paramref name="shares"/> fragments, any
    /// <paramref name="threshold"/> of which re-encrypt a capsule for the receiver. Each fragment is
    /// signed by <paramref name="signer"/>; the flags choose whether the proxy-checked signature also
    /// covers the delegating and receiving keys.
    /// </summary>
    public static IReadOnlyList<VerifiedKeyFrag> GenerateKFrags(
        SecretKey delegatingKey, PublicKey receivingKey, Signer signer, int threshold, int shares,
        bool signDelegatingKey, bool signReceivingKey, IRandomSource? rng = null)
    {
        ArgumentNullException.ThrowIfNull(delegatingKey);
        ArgumentNullException.ThrowIfNull(receivingKey);
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(shares, threshold);
        // MessagePack fixarrays and the reference's own limits keep counts small.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(shares, 255);
        return KeyFrag.Generate(delegatingKey, receivingKey, signer, threshold, shares, signDelegatingKey, signReceivingKey, rng ?? SystemRandomSource.Instance);
    }

    /// <summary>Re-encrypts <paramref name="capsule"/> with one verified key fragment. Draws t (32).</summary>
    public static VerifiedCapsuleFrag Reencrypt(Capsule capsule, VerifiedKeyFrag kfrag, IRandomSource? rng = null)
    {
        ArgumentNullException.ThrowIfNull(capsule);
        ArgumentNullException.ThrowIfNull(kfrag);
        return CapsuleFrag.Reencrypt(capsule, kfrag.KeyFrag, rng ?? SystemRandomSource.Instance);
    }

    /// <summary>Decrypts as the receiver from at least threshold verified capsule fragments.</summary>
    /// <exception cref="TooFewCapsuleFragsException">None, or fewer than the threshold, or not for this capsule and receiver.</exception>
    /// <exception cref="MismatchedCapsuleFragsException">Fragments from different key-fragment sets.</exception>
    /// <exception cref="RepeatedCapsuleFragsException">The same fragment twice.</exception>
    /// <exception cref="DecryptionFailedException">The ciphertext was tampered with or belongs to another capsule.</exception>
    public static byte[] DecryptReencrypted(
        SecretKey receivingKey, PublicKey delegatingKey, Capsule capsule, IEnumerable<VerifiedCapsuleFrag> cfrags, ReadOnlySpan<byte> ciphertext)
    {
        using var sharedPoint = UmbralKem.DecapsulateReencrypted(receivingKey, delegatingKey, capsule, cfrags);
        return UmbralDem.Decrypt(sharedPoint, capsule, ciphertext);
    }
}
