using System.Buffers.Binary;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.EC;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Math.EC;
using ECCurve = Org.BouncyCastle.Math.EC.ECCurve;
using ECPoint = Org.BouncyCastle.Math.EC.ECPoint;
using Org.BouncyCastle.Math.EC.Multiplier;
using Org.BouncyCastle.Utilities;
using SeSPHR.Crypto.Primitives;

namespace SeSPHR.Crypto.Umbral;

/// <summary>
/// The group Umbral works in (secp256k1) and the encodings and hashes the reference uses on it.
/// Points handed out by this class are normalized (affine), so encoding them costs nothing more.
/// </summary>
internal static class Secp256k1
{
    public const int ScalarSize = 32;
    public const int PointSize = 33;

    public static readonly ECDomainParameters Domain = new(CustomNamedCurves.GetByName("secp256k1"));
    public static readonly ECCurve Curve = Domain.Curve;
    public static readonly BigInteger N = Domain.N;

    /// <summary>The generator; fixed-base comb tables are cached on this instance (ECDSA signing uses it too).</summary>
    public static readonly ECPoint G = Domain.G;

    /// <summary>
    /// The second generator: RFC 9380 secp256k1_XMD:SHA-256_SSWU_RO_ of "POINT_U" with DST "PARAMETERS".
    /// Hard-coded because it is the only point Umbral hashes to the curve.
    /// </summary>
    public static readonly ECPoint U = Curve.DecodePoint(Convert.FromHexString("03079390d0fbe220fc34aab8ecbf49098098036820fadb98c03143e55db8ec73cd")).Normalize();

    private static readonly BigInteger NMinusOne = N.Subtract(BigInteger.One);
    private static readonly FixedPointCombMultiplier Comb = new();

    public static ECPoint MultiplyG(BigInteger k) => Comb.Multiply(G, k);

    public static ECPoint MultiplyU(BigInteger k) => Comb.Multiply(U, k);

    /// <summary>a·P + b·Q in one interleaved pass.</summary>
    public static ECPoint SumOfTwoMultiplies(ECPoint p, BigInteger a, ECPoint q, BigInteger b) =>
        ECAlgorithms.SumOfTwoMultiplies(p, a, q, b);

    public static BigInteger Add(BigInteger a, BigInteger b) => a.Add(b).Mod(N);

    public static BigInteger Subtract(BigInteger a, BigInteger b) => a.Subtract(b).Mod(N);

    public static BigInteger Multiply(BigInteger a, BigInteger b) => a.Multiply(b).Mod(N);

    public static BigInteger Negate(BigInteger a) => a.SignValue == 0 ? a : N.Subtract(a);

    /// <summary>Inverse modulo n; the caller guarantees <paramref name="a"/> is non-zero.</summary>
    public static BigInteger Invert(BigInteger a) => BigIntegers.ModOddInverse(N, a);

    /// <summary>Parses a 32-byte big-endian scalar, rejecting values ≥ n (the reference's <c>from_repr</c>).</summary>
    public static bool TryReadScalar(ReadOnlySpan<byte> bytes, out BigInteger scalar)
    {
        scalar = BigInteger.Zero;
        if (bytes.Length != ScalarSize)
            return false;
        var value = new BigInteger(1, bytes);
        if (value.CompareTo(N) >= 0)
            return false;
        scalar = value;
        return true;
    }

    public static void WriteScalar(BigInteger scalar, Span<byte> destination) =>
        BigIntegers.AsUnsignedByteArray(scalar, destination[..ScalarSize]);

    public static byte[] ScalarToBytes(BigInteger scalar)
    {
        var bytes = new byte[ScalarSize];
        WriteScalar(scalar, bytes);
        return bytes;
    }

    /// <summary>Draws 32 bytes at a time until they encode a scalar in [1, n); the reference does the same.</summary>
    public static BigInteger RandomNonZeroScalar(IRandomSource rng)
    {
        Span<byte> buffer = stackalloc byte[ScalarSize];
        try
        {
            while (true)
            {
                rng.Fill(buffer);
                if (TryReadScalar(buffer, out var scalar) && scalar.SignValue != 0)
                    return scalar;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    /// <summary>Writes the 33-byte SEC1 compressed form; the point must be normalized and not the identity.</summary>
    public static void WritePoint(ECPoint point, Span<byte> destination)
    {
        var x = point.AffineXCoord;
        destination[0] = point.AffineYCoord.TestBitZero() ? (byte)0x03 : (byte)0x02;
        x.EncodeTo(destination.Slice(1, ScalarSize));
    }

    public static byte[] PointToBytes(ECPoint point)
    {
        var bytes = new byte[PointSize];
        WritePoint(point, bytes);
        return bytes;
    }

    /// <summary>
    /// Parses a SEC1 point as leniently as the reference (k256 <c>EncodedPoint::from_bytes</c>):
    /// 33-byte compressed (02/03), 65-byte uncompressed (04), 33-byte x-only "compact" (05, even y)
    /// and the 1-byte identity (00). Returns the normalized point, or null when the bytes are invalid.
    /// </summary>
    public static ECPoint? TryReadPoint(ReadOnlySpan<byte> bytes, out bool isIdentity)
    {
        isIdentity = false;
        if (bytes.IsEmpty)
            return null;
        try
        {
            switch (bytes[0])
            {
                case 0x00 when bytes.Length == 1:
                    isIdentity = true;
                    return Curve.Infinity;
                case 0x02 or 0x03 when bytes.Length == PointSize:
                    return Curve.DecodePoint(bytes.ToArray());
                case 0x05 when bytes.Length == PointSize:
                    {
                        var compressed = bytes.ToArray();
                        compressed[0] = 0x02;
                        return Curve.DecodePoint(compressed);
                    }
                case 0x04 when bytes.Length == 1 + (2 * ScalarSize):
                    return Curve.DecodePoint(bytes.ToArray());
                default:
                    return null;
            }
        }
        catch (ArgumentException)
        {
            // Not on the curve, or a coordinate not below p.
            return null;
        }
    }

    /// <summary>A 33-byte point field inside a serialized object; identity and other lengths are invalid.</summary>
    public static ECPoint ReadPointField(ReadOnlySpan<byte> bytes, string what)
    {
        var point = TryReadPoint(bytes, out var isIdentity);
        if (point is null || isIdentity || bytes.Length != PointSize)
            throw new InvalidEncodingException($"Invalid curve point encoding in {what}.");
        return point;
    }

    public static BigInteger ReadScalarField(ReadOnlySpan<byte> bytes, string what)
    {
        if (!TryReadScalar(bytes, out var scalar))
            throw new InvalidEncodingException($"Invalid curve scalar encoding in {what}.");
        return scalar;
    }

    /// <summary>
    /// The reference's hash to a non-zero scalar: x = SHA-256(u32be(len(dst)) || dst || message) read
    /// big-endian, reduced as (x mod (n − 1)) + 1, which is never zero (and is not x mod n).
    /// </summary>
    public static BigInteger HashToScalar(ReadOnlySpan<byte> dst, ReadOnlySpan<byte> message)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)dst.Length);
        hash.AppendData(length);
        hash.AppendData(dst);
        hash.AppendData(message);
        Span<byte> digest = stackalloc byte[Sha256.HashLength];
        hash.GetHashAndReset(digest);
        return new BigInteger(1, digest).Mod(NMinusOne).Add(BigInteger.One);
    }

    /// <summary>Hashes the compressed encodings of <paramref name="points"/> (normalized) to a non-zero scalar.</summary>
    public static BigInteger HashPointsToScalar(ReadOnlySpan<byte> dst, params ReadOnlySpan<ECPoint> points)
    {
        Span<byte> buffer = stackalloc byte[PointSize * points.Length];
        for (var i = 0; i < points.Length; i++)
            WritePoint(points[i], buffer.Slice(i * PointSize, PointSize));
        return HashToScalar(dst, buffer);
    }

    /// <summary>Normalizes all points with one field inversion (Montgomery's trick).</summary>
    public static void NormalizeAll(ECPoint[] points) => Curve.NormalizeAll(points);
}
