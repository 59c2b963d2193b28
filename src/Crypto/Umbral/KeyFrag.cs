using Org.BouncyCastle.Math;
using Org.BouncyCastle.Math.EC;
using SeSPHR.Crypto.Primitives;

namespace SeSPHR.Crypto.Umbral;

/// <summary>
/// One share of a re-encryption key from a delegating key to a receiving key, as received from
/// someone else. It proves nothing until <see cref="Verify"/> checks its commitment and the
/// delegator's signature; only the resulting <see cref="VerifiedKeyFrag"/> can re-encrypt.
/// A proxy holding fewer than the threshold of fragments learns nothing about the delegating key.
/// </summary>
public sealed class KeyFrag : IEquatable<KeyFrag>
{
    /// <summary>Length of <see cref="ToBytes"/> (MessagePack).</summary>
    public const int SerializedSize = 310;

    private readonly byte[] _id;

    internal KeyFrag(byte[] id, BigInteger key, ECPoint precursor, ECPoint commitment, Signature signatureForProxy, Signature signatureForReceiver, bool delegatingKeySigned, bool receivingKeySigned)
    {
        _id = id;
        Key = key;
        Precursor = precursor;
        Commitment = commitment;
        SignatureForProxy = signatureForProxy;
        SignatureForReceiver = signatureForReceiver;
        DelegatingKeySigned = delegatingKeySigned;
        ReceivingKeySigned = receivingKeySigned;
    }

    internal ReadOnlySpan<byte> Id => _id;

    internal BigInteger Key { get; }

    internal ECPoint Precursor { get; }

    internal ECPoint Commitment { get; }

    internal Signature SignatureForProxy { get; }

    internal Signature SignatureForReceiver { get; }

    /// <summary>Whether the proxy signature covers the delegating public key.</summary>
    public bool DelegatingKeySigned { get; }

    /// <summary>Whether the proxy signature covers the receiving public key.</summary>
    public bool ReceivingKeySigned { get; }

    /// <summary>Parses the reference's MessagePack form. Nothing but the encoding is checked: call <see cref="Verify"/>.</summary>
    /// <exception cref="InvalidEncodingException">The bytes do not encode a key fragment with the standard parameters.</exception>
    public static KeyFrag FromBytes(ReadOnlySpan<byte> bytes)
    {
        const string what = nameof(KeyFrag);
        var reader = new MessagePackReader(bytes, what);
        reader.ReadArrayHeader(5);
        reader.ReadArrayHeader(1);
        // The reference carries its parameters (the point U) inside every kfrag. There is only one
        // valid U; a kfrag with another would let its commitment prove nothing, so it is refused.
        if (!reader.ReadBinary(33).SequenceEqual(Secp256k1.PointToBytes(Secp256k1.U)))
            throw new InvalidEncodingException("KeyFrag carries parameters other than Umbral's standard U.");
        var id = reader.ReadBinary(KeyFragMath.IdSize).ToArray();
        var key = Secp256k1.ReadScalarField(reader.ReadBinary(32), what);
        var precursor = Secp256k1.ReadPointField(reader.ReadBinary(33), what);
        reader.ReadArrayHeader(5);
        var commitment = Secp256k1.ReadPointField(reader.ReadBinary(33), what);
        var signatureForProxy = Signature.FromBigEndianBytes(reader.ReadBinary(Signature.Size));
        var signatureForReceiver = Signature.FromBigEndianBytes(reader.ReadBinary(Signature.Size));
        var delegatingKeySigned = reader.ReadBoolean();
        var receivingKeySigned = reader.ReadBoolean();
        reader.EnsureEnd();
        return new KeyFrag(id, key, precursor, commitment, signatureForProxy, signatureForReceiver, delegatingKeySigned, receivingKeySigned);
    }

    /// <summary>The reference's MessagePack form (310 bytes).</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[SerializedSize];
        var writer = new MessagePackWriter(bytes);
        writer.WriteArrayHeader(5);
        writer.WriteArrayHeader(1);
        Secp256k1.WritePoint(Secp256k1.U, writer.WriteBinary(33));
        writer.WriteBinary(_id);
        Secp256k1.WriteScalar(Key, writer.WriteBinary(32));
        Secp256k1.WritePoint(Precursor, writer.WriteBinary(33));
        writer.WriteArrayHeader(5);
        Secp256k1.WritePoint(Commitment, writer.WriteBinary(33));
        SignatureForProxy.WriteTo(writer.WriteBinary(Signature.Size));
        SignatureForReceiver.WriteTo(writer.WriteBinary(Signature.Size));
        writer.WriteBoolean(DelegatingKeySigned);
        writer.WriteBoolean(ReceivingKeySigned);
        return bytes;
    }

    /// <summary>
    /// Checks that the fragment was made by <paramref name="verifyingKey"/>'s owner for these keys
    /// and was not altered. Keys the fragment's signature covers must be supplied. When both keys
    /// are supplied, the signature the receiver will later check is verified too (stricter than
    /// the reference, which leaves that to capsule-fragment verification).
    /// </summary>
    /// <exception cref="KeyFragVerificationException">The fragment is inconsistent, a covered key is missing, or a signature fails.</exception>
    public VerifiedKeyFrag Verify(PublicKey verifyingKey, PublicKey? delegatingKey = null, PublicKey? receivingKey = null)
    {
        ArgumentNullException.ThrowIfNull(verifyingKey);
        if (!Secp256k1.MultiplyU(Key).Equals(Commitment))
            throw new KeyFragVerificationException(KeyFragFailure.InvalidCommitment);
        if (DelegatingKeySigned && delegatingKey is null)
            throw new KeyFragVerificationException(KeyFragFailure.DelegatingKeyNotProvided);
        if (ReceivingKeySigned && receivingKey is null)
            throw new KeyFragVerificationException(KeyFragFailure.ReceivingKeyNotProvided);

        var proxyMessage = KeyFragMath.SignatureMessage(
            _id, Commitment, Precursor, DelegatingKeySigned ? delegatingKey : null, ReceivingKeySigned ? receivingKey : null);
        if (!SignatureForProxy.Verify(verifyingKey, proxyMessage))
            throw new KeyFragVerificationException(KeyFragFailure.InvalidSignature);

        if (delegatingKey is not null && receivingKey is not null)
        {
            var receiverMessage = KeyFragMath.SignatureMessage(_id, Commitment, Precursor, delegatingKey, receivingKey);
            if (!SignatureForReceiver.Verify(verifyingKey, receiverMessage))
                throw new KeyFragVerificationException(KeyFragFailure.InvalidSignature);
        }

        return new VerifiedKeyFrag(this);
    }

    public bool Equals(KeyFrag? other) => other is not null && ToBytes().AsSpan().SequenceEqual(other.ToBytes());

    public override bool Equals(object? obj) => Equals(obj as KeyFrag);

    public override int GetHashCode() => BitConverter.ToInt32(_id, 0);

    /// <summary>Shows the id only; the key share itself is never printed.</summary>
    public override string ToString() => $"KeyFrag({Convert.ToHexStringLower(_id.AsSpan(0, 8))}…)";

    /// <summary>
    /// Makes <paramref name="shares"/> fragments of the re-encryption key from
    /// <paramref name="delegatingKey"/> to <paramref name="receivingKey"/>, any
    /// <paramref name="threshold"/> of which suffice. Randomness is drawn in the reference's order:
    /// precursor, coefficients c1…c(t−1), then per share its id and the nonce entropy of its two signatures.
    /// </summary>
    internal static VerifiedKeyFrag[] Generate(
        SecretKey delegatingKey, PublicKey receivingKey, Signer signer, int threshold, int shares,
        bool signDelegatingKey, bool signReceivingKey, IRandomSource rng)
    {
        var delegatingPublic = delegatingKey.PublicKey;

        var precursorSecret = Secp256k1.RandomNonZeroScalar(rng);
        var points = new[] { Secp256k1.MultiplyG(precursorSecret), receivingKey.Point.Multiply(precursorSecret) };
        Secp256k1.NormalizeAll(points);
        var precursor = points[0];
        var dh = points[1];
        var d = KeyFragMath.SharedSecretScalar(precursor, receivingKey.Point, dh);

        var coefficients = new BigInteger[threshold];
        coefficients[0] = Secp256k1.Multiply(delegatingKey.Scalar, Secp256k1.Invert(d));
        for (var i = 1; i < threshold; i++)
            coefficients[i] = Secp256k1.RandomNonZeroScalar(rng);

        var kfrags = new VerifiedKeyFrag[shares];
        for (var share = 0; share < shares; share++)
        {
            var id = new byte[KeyFragMath.IdSize];
            rng.Fill(id);
            var shareIndex = KeyFragMath.ShareIndex(precursor, receivingKey.Point, dh, id);
            var rk = KeyFragMath.EvaluatePolynomial(coefficients, shareIndex);
            var commitment = Secp256k1.MultiplyU(rk).Normalize();

            var receiverMessage = KeyFragMath.SignatureMessage(id, commitment, precursor, delegatingPublic, receivingKey);
            var signatureForReceiver = signer.Sign(receiverMessage, rng);
            var proxyMessage = KeyFragMath.SignatureMessage(
                id, commitment, precursor, signDelegatingKey ? delegatingPublic : null, signReceivingKey ? receivingKey : null);
            var signatureForProxy = signer.Sign(proxyMessage, rng);

            kfrags[share] = new VerifiedKeyFrag(new KeyFrag(
                id, rk, precursor, commitment, signatureForProxy, signatureForReceiver, signDelegatingKey, signReceivingKey));
        }

        return kfrags;
    }
}

/// <summary>
/// A key fragment known to be consistent and signed by the expected delegator (it was verified, or
/// this process generated it). Only these can re-encrypt capsules.
/// </summary>
public sealed class VerifiedKeyFrag : IEquatable<VerifiedKeyFrag>
{
    internal VerifiedKeyFrag(KeyFrag kfrag)
    {
        KeyFrag = kfrag;
    }

    /// <summary>The underlying fragment, e.g. to send it to a proxy that will verify it itself.</summary>
    public KeyFrag KeyFrag { get; }

    /// <summary>
    /// Restores a fragment that this system verified before storing it, without verifying again.
    /// Only for bytes read back from storage the caller trusts; anything received from outside
    /// goes through <see cref="KeyFrag.FromBytes"/> and <see cref="KeyFrag.Verify"/>.
    /// </summary>
    public static VerifiedKeyFrag FromVerifiedBytes(ReadOnlySpan<byte> bytes) => new(KeyFrag.FromBytes(bytes));

    public byte[] ToBytes() => KeyFrag.ToBytes();

    public bool Equals(VerifiedKeyFrag? other) => other is not null && KeyFrag.Equals(other.KeyFrag);

    public override bool Equals(object? obj) => Equals(obj as VerifiedKeyFrag);

    public override int GetHashCode() => KeyFrag.GetHashCode();

    public override string ToString() => $"Verified{KeyFrag}";
}
