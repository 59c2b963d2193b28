using Org.BouncyCastle.Math;
using Org.BouncyCastle.Math.EC;

namespace SeSPHR.Crypto.Umbral;

/// <summary>The hashes and polynomial arithmetic that key fragments, capsule fragments and decryption share.</summary>
internal static class KeyFragMath
{
    public const int IdSize = 32;

    private static readonly byte[] SharedSecretDst = "SHARED_SECRET"u8.ToArray();
    private static readonly byte[] PolynomialArgDst = "POLYNOMIAL_ARG"u8.ToArray();

    /// <summary>d = H(SHARED_SECRET; X_A, B, dh), the non-interactive shared secret of a delegation.</summary>
    public static BigInteger SharedSecretScalar(ECPoint precursor, ECPoint receivingKey, ECPoint dh) =>
        Secp256k1.HashPointsToScalar(SharedSecretDst, precursor, receivingKey, dh);

    /// <summary>x_i = H(POLYNOMIAL_ARG; X_A, B, dh, id), the share index of one fragment.</summary>
    public static BigInteger ShareIndex(ECPoint precursor, ECPoint receivingKey, ECPoint dh, ReadOnlySpan<byte> kfragId)
    {
        Span<byte> message = stackalloc byte[(3 * Secp256k1.PointSize) + IdSize];
        Secp256k1.WritePoint(precursor, message[..33]);
        Secp256k1.WritePoint(receivingKey, message.Slice(33, 33));
        Secp256k1.WritePoint(dh, message.Slice(66, 33));
        kfragId.CopyTo(message[99..]);
        return Secp256k1.HashToScalar(PolynomialArgDst, message);
    }

    /// <summary>f(x) by Horner's rule, coefficients from c0 upwards.</summary>
    public static BigInteger EvaluatePolynomial(BigInteger[] coefficients, BigInteger x)
    {
        var result = coefficients[^1];
        for (var i = coefficients.Length - 2; i >= 0; i--)
            result = Secp256k1.Add(Secp256k1.Multiply(result, x), coefficients[i]);
        return result;
    }

    /// <summary>λ_i = Π_{j≠i} x_j / (x_j − x_i); null when two share indices are equal.</summary>
    public static BigInteger[]? LagrangeCoefficientsAtZero(BigInteger[] xs)
    {
        var lambdas = new BigInteger[xs.Length];
        for (var i = 0; i < xs.Length; i++)
        {
            var numerator = BigInteger.One;
            var denominator = BigInteger.One;
            for (var j = 0; j < xs.Length; j++)
            {
                if (j == i)
                    continue;
                var difference = Secp256k1.Subtract(xs[j], xs[i]);
                if (difference.SignValue == 0)
                    return null;
                numerator = Secp256k1.Multiply(numerator, xs[j]);
                denominator = Secp256k1.Multiply(denominator, difference);
            }

            lambdas[i] = Secp256k1.Multiply(numerator, Secp256k1.Invert(denominator));
        }

        return lambdas;
    }

    /// <summary>
    /// The message a kfrag's signatures cover: id || U1 || X_A || (01 || A or 00) || (01 || B or 00).
    /// </summary>
    public static byte[] SignatureMessage(ReadOnlySpan<byte> kfragId, ECPoint commitment, ECPoint precursor, PublicKey? delegatingKey, PublicKey? receivingKey)
    {
        var length = IdSize + (2 * Secp256k1.PointSize)
            + (delegatingKey is null ? 1 : 1 + Secp256k1.PointSize)
            + (receivingKey is null ? 1 : 1 + Secp256k1.PointSize);
        var message = new byte[length];
        var span = message.AsSpan();
        kfragId.CopyTo(span);
        var position = IdSize;
        Secp256k1.WritePoint(commitment, span.Slice(position, 33));
        position += 33;
        Secp256k1.WritePoint(precursor, span.Slice(position, 33));
        position += 33;
        position = WriteOptionalKey(delegatingKey, span, position);
        WriteOptionalKey(receivingKey, span, position);
        return message;
    }

    private static int WriteOptionalKey(PublicKey? key, Span<byte> span, int position)
    {
        if (key is null)
        {
            span[position] = 0x00;
            return position + 1;
        }

        span[position] = 0x01;
        key.CompressedBytes.CopyTo(span[(position + 1)..]);
        return position + 1 + Secp256k1.PointSize;
    }
}
