using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using SeSPHR.Crypto.Primitives;

namespace SeSPHR.Crypto.Umbral;

/// <summary>
/// An ECDSA-secp256k1 signature over SHA-256 of a message, as the reference makes them: only the
/// holder of the signing key can produce one that verifies, and any change to the message, key or
/// signature bytes makes verification fail. Signing emits low-S; verification also accepts high-S,
/// as the reference does.
/// </summary>
public sealed class Signature : IEquatable<Signature>
{
    /// <summary>Length of <see cref="ToBigEndianBytes"/>: r(32) || s(32).</summary>
    public const int Size = 64;

    internal Signature(BigInteger r, BigInteger s)
    {
        R = r;
        S = s;
    }

    internal BigInteger R { get; }

    internal BigInteger S { get; }

    /// <summary>Parses r(32) || s(32) big-endian; r and s must lie in [1, n).</summary>
    public static Signature FromBigEndianBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size
            || !Secp256k1.TryReadScalar(bytes[..32], out var r) || r.SignValue == 0
            || !Secp256k1.TryReadScalar(bytes[32..], out var s) || s.SignValue == 0)
        {
            throw new InvalidEncodingException("Invalid signature encoding.");
        }

        return new Signature(r, s);
    }

    /// <summary>Parses an ASN.1 DER <c>SEQUENCE { r INTEGER, s INTEGER }</c>.</summary>
    public static Signature FromDerBytes(ReadOnlySpan<byte> der)
    {
        BigInteger[] rs;
        try
        {
            rs = StandardDsaEncoding.Instance.Decode(Secp256k1.N, der.ToArray());
        }
        catch (ArgumentException ex)
        {
            throw new InvalidEncodingException("Invalid DER signature encoding.", ex);
        }

        return new Signature(rs[0], rs[1]);
    }

    /// <summary>True when this signs <paramref name="message"/> under <paramref name="verifyingKey"/>.</summary>
    public bool Verify(PublicKey verifyingKey, ReadOnlySpan<byte> message)
    {
        ArgumentNullException.ThrowIfNull(verifyingKey);
        var verifier = new ECDsaSigner();
        verifier.Init(false, verifyingKey.EcdsaKey);
        return verifier.VerifySignature(Sha256.Hash(message), R, S);
    }

    public byte[] ToBigEndianBytes()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    internal void WriteTo(Span<byte> destination)
    {
        Secp256k1.WriteScalar(R, destination[..32]);
        Secp256k1.WriteScalar(S, destination.Slice(32, 32));
    }

    public byte[] ToDerBytes() => StandardDsaEncoding.Instance.Encode(Secp256k1.N, R, S);

    public bool Equals(Signature? other) => other is not null && R.Equals(other.R) && S.Equals(other.S);

    public override bool Equals(object? obj) => Equals(obj as Signature);

    public override int GetHashCode() => R.GetHashCode();

    public override string ToString() => $"Signature({Convert.ToHexStringLower(ToBigEndianBytes())})";
}
