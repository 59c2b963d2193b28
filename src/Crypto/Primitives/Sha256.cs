using System.Security.Cryptography;

namespace SeSPHR.Crypto.Primitives;

/// <summary>
/// SHA-256 through .NET's OpenSSL-backed implementation (about ten times faster than a managed
/// one on large inputs). Collision resistance is what lets a 32-byte digest stand in for the
/// data it hashes inside a signature.
/// </summary>
internal static class Sha256
{
    public const int HashLength = 32;

    public static byte[] Hash(ReadOnlySpan<byte> data) => SHA256.HashData(data);

    public static void Hash(ReadOnlySpan<byte> data, Span<byte> destination) => SHA256.HashData(data, destination);

    /// <summary>HMAC-SHA256 of <paramref name="data"/> under <paramref name="key"/> into <paramref name="destination"/>.</summary>
    public static void Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination) =>
        HMACSHA256.HashData(key, data, destination);
}
