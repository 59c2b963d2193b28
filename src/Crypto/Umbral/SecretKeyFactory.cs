using System.Diagnostics;
using System.Text;
using SeSPHR.Crypto.Primitives;

namespace SeSPHR.Crypto.Umbral;

/// <summary>
/// Derives any number of independent Umbral secret keys from one 32-byte seed and a label
/// (HKDF-SHA256, then a hash to a non-zero scalar), byte-compatible with the reference's
/// <c>SecretKeyFactory</c>. Keys for different labels reveal nothing about each other or the
/// seed. The seed never prints and is zeroed on <see cref="Dispose"/>.
/// </summary>
[DebuggerDisplay("SecretKeyFactory(redacted)")]
public sealed class SecretKeyFactory : IDisposable
{
    /// <summary>Size of the seed accepted by <see cref="FromSecureRandomness"/>.</summary>
    public const int SeedSize = 32;

    private const int DerivedSize = 64;

    [DebuggerBrowsable(DebuggerBrowsableState.Never)]
    private readonly SecretBytes _seed;

    private SecretKeyFactory(SecretBytes seed)
    {
        _seed = seed;
    }

    /// <summary>A factory with a fresh random seed (32 bytes from <paramref name="rng"/>).</summary>
    public static SecretKeyFactory Random(IRandomSource? rng = null)
    {
        var seed = SecretBytes.Allocate(SeedSize);
        (rng ?? SystemRandomSource.Instance).Fill(seed.AsWritableSpan());
        return new SecretKeyFactory(seed);
    }

    /// <summary>A factory over a caller-supplied seed, which must come from a secure random source (or from <see cref="MakeFactory(ReadOnlySpan{byte})"/>).</summary>
    public static SecretKeyFactory FromSecureRandomness(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != SeedSize)
            throw new InvalidEncodingException($"A key factory seed must be {SeedSize} bytes.");
        return new SecretKeyFactory(SecretBytes.CopyFrom(seed));
    }

    /// <summary>The secret key for <paramref name="label"/>; the same seed and label always give the same key.</summary>
    public SecretKey MakeKey(ReadOnlySpan<byte> label)
    {
        var info = Prefixed("KEY_DERIVATION/"u8, label);
        using var derived = HkdfSha256.DeriveSecret(_seed.AsSpan(), [], info, DerivedSize);
        return SecretKey.FromScalar(Secp256k1.HashToScalar(info, derived.AsSpan()));
    }

    /// <inheritdoc cref="MakeKey(ReadOnlySpan{byte})"/>
    public SecretKey MakeKey(string label) => MakeKey(Encoding.UTF8.GetBytes(label));

    /// <summary>64 secret bytes for <paramref name="label"/> (HKDF with info "SECRET_DERIVATION/" + label).</summary>
    public SecretBytes MakeSecret(ReadOnlySpan<byte> label) =>
        HkdfSha256.DeriveSecret(_seed.AsSpan(), [], Prefixed("SECRET_DERIVATION/"u8, label), DerivedSize);

    /// <summary>A child factory for <paramref name="label"/> (HKDF with info "FACTORY_DERIVATION/" + label).</summary>
    public SecretKeyFactory MakeFactory(ReadOnlySpan<byte> label) =>
        new(HkdfSha256.DeriveSecret(_seed.AsSpan(), [], Prefixed("FACTORY_DERIVATION/"u8, label), SeedSize));

    /// <inheritdoc cref="MakeFactory(ReadOnlySpan{byte})"/>
    public SecretKeyFactory MakeFactory(string label) => MakeFactory(Encoding.UTF8.GetBytes(label));

    /// <summary>The seed, in a buffer the caller disposes (for wrapping it into a backup).</summary>
    public SecretBytes ToSecretBytes() => SecretBytes.CopyFrom(_seed.AsSpan());

    public override string ToString() => "SecretKeyFactory(redacted)";

    public void Dispose() => _seed.Dispose();

    private static byte[] Prefixed(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> label)
    {
        var info = new byte[prefix.Length + label.Length];
        prefix.CopyTo(info);
        label.CopyTo(info.AsSpan(prefix.Length));
        return info;
    }
}
