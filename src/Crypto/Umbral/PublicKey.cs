using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC;

namespace SeSPHR.Crypto.Umbral;

/// <summary>
/// An Umbral public key: a point on secp256k1 other than the identity. Parsing accepts what the
/// reference accepts (compressed, uncompressed, x-only), but a key is only ever written in its
/// 33-byte compressed form, so two equal keys always have equal bytes.
/// </summary>
public sealed class PublicKey : IEquatable<PublicKey>
{
    private readonly byte[] _compressed;
    private ECPublicKeyParameters? _ecdsaKey;

    private PublicKey(ECPoint point, byte[] compressed)
    {
        Point = point;
        _compressed = compressed;
    }

    /// <summary>Length of <see cref="ToCompressedBytes"/>.</summary>
    public const int CompressedSize = Secp256k1.PointSize;

    internal ECPoint Point { get; }

    internal ReadOnlySpan<byte> CompressedBytes => _compressed;

    internal ECPublicKeyParameters EcdsaKey => _ecdsaKey ??= new ECPublicKeyParameters(Point, Secp256k1.Domain);

    /// <summary>
    /// Parses SEC1 bytes: 33-byte compressed (02/03), 65-byte uncompressed (04) or 33-byte x-only
    /// (05, even y). The identity (00) and anything off the curve are rejected.
    /// </summary>
    public static PublicKey FromBytes(ReadOnlySpan<byte> bytes)
    {
        var point = Secp256k1.TryReadPoint(bytes, out var isIdentity)
            ?? throw new InvalidEncodingException("Invalid curve point representation.");
        if (isIdentity)
            throw new InvalidEncodingException("Cannot instantiate a public key from the given curve point.");
        return FromPoint(point);
    }

    internal static PublicKey FromPoint(ECPoint normalizedPoint) => new(normalizedPoint, Secp256k1.PointToBytes(normalizedPoint));

    /// <summary>The 33-byte SEC1 compressed encoding (a copy).</summary>
    public byte[] ToCompressedBytes() => (byte[])_compressed.Clone();

    public bool Equals(PublicKey? other) => other is not null && _compressed.AsSpan().SequenceEqual(other._compressed);

    public override bool Equals(object? obj) => Equals(obj as PublicKey);

    public override int GetHashCode() => BitConverter.ToInt32(_compressed, 1);

    public override string ToString() => $"PublicKey({Convert.ToHexStringLower(_compressed)})";
}
