using System.Buffers.Binary;
using SeSPHR.Crypto.Primitives;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Crypto.Grants;

/// <summary>
/// One fingerprint over a user's two public keys, the Umbral decryption key and the signing key:
/// SHA-256 under its own domain tag of both compressed keys. A patient's client pins it when it first
/// grants and records it in the grant statement, and people compare its 128-bit display form out of
/// band, so a key directory (the SRS) that substitutes either key of a user is noticed.
/// </summary>
/// <remarks>
/// <c>fingerprint = SHA-256( LP("SeSPHR/key-fingerprint/v1") || decryption key (33) || signing key (33) )</c>,
/// <c>LP(x) = u32be(len x) || x</c>. Equality compares all 32 bytes; the display shows the first 16
/// as 8 groups of 4 hex digits.
/// </remarks>
public sealed class KeyFingerprint : IEquatable<KeyFingerprint>
{
    public const int Size = 32;

    /// <summary>Bytes shown to people: 128 bits.</summary>
    public const int DisplaySize = 16;

    private static readonly byte[] DomainTag = "SeSPHR/key-fingerprint/v1"u8.ToArray();

    private readonly byte[] _bytes;

    private KeyFingerprint(byte[] bytes) => _bytes = bytes;

    public static KeyFingerprint Compute(PublicKey decryptionKey, PublicKey signingKey)
    {
        ArgumentNullException.ThrowIfNull(decryptionKey);
        ArgumentNullException.ThrowIfNull(signingKey);
        var input = new byte[4 + DomainTag.Length + (2 * PublicKey.CompressedSize)];
        BinaryPrimitives.WriteUInt32BigEndian(input, (uint)DomainTag.Length);
        DomainTag.CopyTo(input, 4);
        decryptionKey.ToCompressedBytes().CopyTo(input, 4 + DomainTag.Length);
        signingKey.ToCompressedBytes().CopyTo(input, 4 + DomainTag.Length + PublicKey.CompressedSize);
        return new KeyFingerprint(Sha256.Hash(input));
    }

    public static KeyFingerprint FromBytes(ReadOnlySpan<byte> bytes) =>
        bytes.Length == Size
            ? new KeyFingerprint(bytes.ToArray())
            : throw new ArgumentException($"A key fingerprint is {Size} bytes.", nameof(bytes));

    /// <summary>Whether these are the keys this fingerprint was computed over.</summary>
    public bool Matches(PublicKey decryptionKey, PublicKey signingKey) => Equals(Compute(decryptionKey, signingKey));

    public byte[] ToBytes() => (byte[])_bytes.Clone();

    internal ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>The first 128 bits as 8 groups of 4 lowercase hex digits, e.g. <c>3f2a 09c1 … 77de</c>.</summary>
    public string ToDisplayString()
    {
        var hex = Convert.ToHexStringLower(_bytes, 0, DisplaySize);
        return string.Join(' ', Enumerable.Range(0, DisplaySize / 2).Select(i => hex.Substring(i * 4, 4)));
    }

    public bool Equals(KeyFingerprint? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => Equals(obj as KeyFingerprint);

    public override int GetHashCode() => BinaryPrimitives.ReadInt32BigEndian(_bytes);

    public override string ToString() => ToDisplayString();

    internal int CompareTo(KeyFingerprint other) => _bytes.AsSpan().SequenceCompareTo(other._bytes);
}
