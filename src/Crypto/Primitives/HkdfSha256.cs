using System.Security.Cryptography;

namespace SeSPHR.Crypto.Primitives;

/// <summary>
/// HKDF with SHA-256 (RFC 5869) through .NET's OpenSSL-backed implementation. Keys derived with
/// different <c>info</c> labels are independent, so one derived key never reveals another.
/// An empty salt is RFC 5869's "not provided" (a block of zeros).
/// </summary>
internal static class HkdfSha256
{
    public const int HashLength = 32;

    /// <summary>Extract-then-expand into <paramref name="output"/> (at most 255 × 32 bytes).</summary>
    public static void DeriveKey(ReadOnlySpan<byte> inputKeyMaterial, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info, Span<byte> output) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, inputKeyMaterial, output, salt, info);

    /// <summary>Extract-then-expand into a new array of <paramref name="length"/> bytes.</summary>
    public static byte[] DeriveKey(ReadOnlySpan<byte> inputKeyMaterial, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info, int length)
    {
        var output = new byte[length];
        DeriveKey(inputKeyMaterial, salt, info, output);
        return output;
    }

    /// <summary>Extract-then-expand into a <see cref="SecretBytes"/> the caller disposes.</summary>
    public static SecretBytes DeriveSecret(ReadOnlySpan<byte> inputKeyMaterial, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info, int length)
    {
        var secret = SecretBytes.Allocate(length);
        DeriveKey(inputKeyMaterial, salt, info, secret.AsWritableSpan());
        return secret;
    }
}
