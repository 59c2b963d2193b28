using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using SeSPHR.Crypto.Primitives;

namespace SeSPHR.Crypto.Umbral;

/// <summary>
/// Deterministic ECDSA nonces per RFC 6979 §3.2 (HMAC-SHA256) with the optional additional data
/// k' of §3.6. Feeding 32 fresh random bytes as k' gives "hedged" signatures: safe if the RNG is
/// weak (the nonce still depends on key and message) and byte-identical to the reference when the
/// same random bytes are replayed. Only for a 256-bit order and a 32-byte digest (secp256k1 with
/// SHA-256), where bits2int needs no shifting.
/// </summary>
internal sealed class Rfc6979KCalculator(ReadOnlySpan<byte> additionalData) : IDsaKCalculator
{
    private const int Size = 32;

    private readonly byte[] _additionalData = additionalData.ToArray();
    private readonly byte[] _k = new byte[Size];
    private readonly byte[] _v = new byte[Size];
    private BigInteger _n = BigInteger.Zero;
    private bool _needsUpdate;

    public bool IsDeterministic => true;

    public void Init(BigInteger n, SecureRandom random) =>
        throw new InvalidOperationException("RFC 6979 nonces are derived from the key and message, not drawn at random.");

    public void Init(BigInteger n, BigInteger d, byte[] message)
    {
        if (n.BitLength != 8 * Size || message.Length != Size)
            throw new ArgumentException("Only 256-bit orders with 32-byte digests are supported.");
        _n = n;
        _needsUpdate = false;

        // int2octets(x) || bits2octets(h1) || k'
        var seedLength = Size + Size + _additionalData.Length;
        var seed = new byte[seedLength];
        try
        {
            Secp256k1.WriteScalar(d, seed.AsSpan(0, Size));
            Secp256k1.WriteScalar(new BigInteger(1, message).Mod(n), seed.AsSpan(Size, Size));
            _additionalData.CopyTo(seed, 2 * Size);

            _v.AsSpan().Fill(0x01);
            _k.AsSpan().Clear();
            UpdateKey(0x00, seed);
            Hmac(_v, _v);
            UpdateKey(0x01, seed);
            Hmac(_v, _v);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    public BigInteger NextK()
    {
        while (true)
        {
            if (_needsUpdate)
            {
                // Step h.3: the previous candidate was unusable (out of range, or r or s was zero).
                UpdateKey(0x00, []);
                Hmac(_v, _v);
            }

            _needsUpdate = true;
            Hmac(_v, _v);
            var k = new BigInteger(1, _v);
            if (k.SignValue > 0 && k.CompareTo(_n) < 0)
                return k;
        }
    }

    /// <summary>K = HMAC_K(V || marker || seed).</summary>
    private void UpdateKey(byte marker, ReadOnlySpan<byte> seed)
    {
        var data = new byte[Size + 1 + seed.Length];
        try
        {
            _v.CopyTo(data, 0);
            data[Size] = marker;
            seed.CopyTo(data.AsSpan(Size + 1));
            Sha256.Hmac(_k, data, _k);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(data);
        }
    }

    private void Hmac(ReadOnlySpan<byte> data, Span<byte> destination) => Sha256.Hmac(_k, data, destination);
}
