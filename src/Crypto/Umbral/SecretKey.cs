using System.Diagnostics;
using Org.BouncyCastle.Math;
using SeSPHR.Crypto.Primitives;

namespace SeSPHR.Crypto.Umbral;

/// <summary>
/// An Umbral secret key: a scalar in [1, n) on secp256k1. Whoever holds it can open capsules made
/// for its public key and delegate that right; so it never prints (ToString, debugger) and its
/// bytes are zeroed on <see cref="Dispose"/>.
/// </summary>
[DebuggerDisplay("SecretKey(redacted)")]
public sealed class SecretKey : IDisposable
{
    [DebuggerBrowsable(DebuggerBrowsableState.Never)]
    private readonly SecretBytes _bytes;

    private PublicKey? _publicKey;

    private SecretKey(SecretBytes bytes)
    {
        _bytes = bytes;
    }

    /// <summary>The matching public key (computed once, on first use).</summary>
    public PublicKey PublicKey => _publicKey ??= PublicKey.FromPoint(Secp256k1.MultiplyG(Scalar).Normalize());

    /// <summary>The secret scalar; a fresh object each call so no long-lived copy is kept outside the zeroable buffer.</summary>
    internal BigInteger Scalar => new(1, _bytes.AsSpan());

    /// <summary>A new random key; draws 32 bytes at a time from <paramref name="rng"/> until they encode a valid scalar.</summary>
    public static SecretKey Random(IRandomSource? rng = null) => FromScalar(Secp256k1.RandomNonZeroScalar(rng ?? SystemRandomSource.Instance));

    /// <summary>Parses a 32-byte big-endian scalar; zero, values ≥ n and other lengths are rejected.</summary>
    public static SecretKey FromBigEndianBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Secp256k1.ScalarSize)
            throw new InvalidEncodingException("Invalid length of a curve scalar.");
        if (!Secp256k1.TryReadScalar(bytes, out var scalar) || scalar.SignValue == 0)
            throw new InvalidEncodingException("Invalid secret key: zero or not below the group order.");
        return new SecretKey(SecretBytes.CopyFrom(bytes));
    }

    internal static SecretKey FromScalar(BigInteger scalar)
    {
        var bytes = SecretBytes.Allocate(Secp256k1.ScalarSize);
        Secp256k1.WriteScalar(scalar, bytes.AsWritableSpan());
        return new SecretKey(bytes);
    }

    /// <summary>The 32-byte big-endian scalar, in a buffer the caller disposes.</summary>
    public SecretBytes ToBigEndianBytes() => SecretBytes.CopyFrom(_bytes.AsSpan());

    public override string ToString() => "SecretKey(redacted)";

    public void Dispose() => _bytes.Dispose();
}
