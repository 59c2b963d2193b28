using System.Diagnostics;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using SeSPHR.Crypto.Primitives;

namespace SeSPHR.Crypto.Umbral;

/// <summary>
/// Signs messages with a secret key (ECDSA-secp256k1 over SHA-256, hedged RFC 6979 nonces, low-S),
/// exactly as the reference's <c>Signer</c>. Holding a <see cref="Signer"/> is holding the key:
/// it never prints and cannot be serialized. It does not own the key; dispose the key itself.
/// </summary>
[DebuggerDisplay("Signer(redacted)")]
public sealed class Signer
{
    private readonly SecretKey _secretKey;

    public Signer(SecretKey secretKey)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
        _secretKey = secretKey;
    }

    /// <summary>The public key that verifies this signer's signatures.</summary>
    public PublicKey VerifyingKey => _secretKey.PublicKey;

    /// <summary>Signs <paramref name="message"/>, drawing 32 bytes of extra nonce entropy from <paramref name="rng"/>.</summary>
    public Signature Sign(ReadOnlySpan<byte> message, IRandomSource? rng = null)
    {
        Span<byte> entropy = stackalloc byte[32];
        (rng ?? SystemRandomSource.Instance).Fill(entropy);
        try
        {
            var signer = new ECDsaSigner(new Rfc6979KCalculator(entropy));
            signer.Init(true, new ECPrivateKeyParameters(_secretKey.Scalar, Secp256k1.Domain));
            var rs = signer.GenerateSignature(Sha256.Hash(message));
            var s = rs[1];
            if (s.CompareTo(Secp256k1.N.ShiftRight(1)) > 0)
                s = Secp256k1.N.Subtract(s);
            return new Signature(rs[0], s);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(entropy);
        }
    }

    public override string ToString() => "Signer(redacted)";
}
