using System.Security.Cryptography;
using SeSPHR.Crypto.Primitives;

namespace SeSPHR.Crypto.Umbral;

/// <summary>
/// The reference's data encapsulation: XChaCha20-Poly1305 under HKDF-SHA256(shared point) with the
/// capsule's simple bytes as associated data, so a ciphertext only opens with the capsule it was
/// made with. Layout: nonce(24) || ciphertext || tag(16).
/// </summary>
internal static class UmbralDem
{
    public const int NonceSize = XChaCha20Poly1305Aead.NonceSize;
    public const int Overhead = NonceSize + XChaCha20Poly1305Aead.TagSize;

    public static byte[] Encrypt(SecretBytes sharedPoint, Capsule capsule, ReadOnlySpan<byte> plaintext, IRandomSource rng)
    {
        var output = new byte[plaintext.Length + Overhead];
        var nonce = output.AsSpan(0, NonceSize);
        rng.Fill(nonce);
        Span<byte> key = stackalloc byte[XChaCha20Poly1305Aead.KeySize];
        try
        {
            HkdfSha256.DeriveKey(sharedPoint.AsSpan(), [], [], key);
            XChaCha20Poly1305Aead.Seal(key, nonce, plaintext, capsule.SimpleBytes, output.AsSpan(NonceSize));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        return output;
    }

    public static byte[] Decrypt(SecretBytes sharedPoint, Capsule capsule, ReadOnlySpan<byte> ciphertext)
    {
        if (ciphertext.Length < NonceSize)
            throw new DecryptionFailedException(DecryptionFailure.CiphertextTooShort);
        if (ciphertext.Length < Overhead)
            throw new DecryptionFailedException(DecryptionFailure.AuthenticationFailed);
        var plaintext = new byte[ciphertext.Length - Overhead];
        Span<byte> key = stackalloc byte[XChaCha20Poly1305Aead.KeySize];
        try
        {
            HkdfSha256.DeriveKey(sharedPoint.AsSpan(), [], [], key);
            if (!XChaCha20Poly1305Aead.TryOpen(key, ciphertext[..NonceSize], ciphertext[NonceSize..], capsule.SimpleBytes, plaintext))
                throw new DecryptionFailedException(DecryptionFailure.AuthenticationFailed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        return plaintext;
    }
}
