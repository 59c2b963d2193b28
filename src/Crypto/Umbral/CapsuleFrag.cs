using Org.BouncyCastle.Math;
using Org.BouncyCastle.Math.EC;
using SeSPHR.Crypto.Primitives;

namespace SeSPHR.Crypto.Umbral;

/// <summary>
/// A capsule re-encrypted by one key fragment, with a zero-knowledge proof that the proxy used
/// that fragment on that capsule and the delegator's signature over the fragment. As received, it
/// proves nothing; <see cref="Verify"/> turns it into a <see cref="VerifiedCapsuleFrag"/>, the only
/// kind decryption accepts, so a proxy cannot slip in a fragment for another capsule, delegation
/// or receiver.
/// </summary>
public sealed class CapsuleFrag : IEquatable<CapsuleFrag>
{
    /// <summary>Length of <see cref="ToBytes"/> (MessagePack).</summary>
    public const int SerializedSize = 381;

    /// <summary>Length of <see cref="ToBytesSimple"/>.</summary>
    public const int SimpleSize = 359;

    private static readonly byte[] CfragVerificationDst = "CFRAG_VERIFICATION"u8.ToArray();

    private readonly byte[] _kfragId;

    private CapsuleFrag(ECPoint e1, ECPoint v1, byte[] kfragId, ECPoint precursor, ECPoint e2, ECPoint v2, ECPoint u1, ECPoint u2, BigInteger z3, Signature kfragSignature)
    {
        E1 = e1;
        V1 = v1;
        _kfragId = kfragId;
        Precursor = precursor;
        E2 = e2;
        V2 = v2;
        U1 = u1;
        U2 = u2;
        Z3 = z3;
        KFragSignature = kfragSignature;
    }

    internal ECPoint E1 { get; }

    internal ECPoint V1 { get; }

    internal ReadOnlySpan<byte> KFragId => _kfragId;

    internal ECPoint Precursor { get; }

    internal ECPoint E2 { get; }

    internal ECPoint V2 { get; }

    internal ECPoint U1 { get; }

    internal ECPoint U2 { get; }

    internal BigInteger Z3 { get; }

    internal Signature KFragSignature { get; }

    /// <summary>Parses the reference's MessagePack form. Nothing but the encoding is checked: call <see cref="Verify"/>.</summary>
    /// <exception cref="InvalidEncodingException">The bytes do not encode a capsule fragment.</exception>
    public static CapsuleFrag FromBytes(ReadOnlySpan<byte> bytes)
    {
        const string what = nameof(CapsuleFrag);
        var reader = new MessagePackReader(bytes, what);
        reader.ReadArrayHeader(5);
        var e1 = Secp256k1.ReadPointField(reader.ReadBinary(33), what);
        var v1 = Secp256k1.ReadPointField(reader.ReadBinary(33), what);
        var kfragId = reader.ReadBinary(KeyFragMath.IdSize).ToArray();
        var precursor = Secp256k1.ReadPointField(reader.ReadBinary(33), what);
        reader.ReadArrayHeader(6);
        var e2 = Secp256k1.ReadPointField(reader.ReadBinary(33), what);
        var v2 = Secp256k1.ReadPointField(reader.ReadBinary(33), what);
        var u1 = Secp256k1.ReadPointField(reader.ReadBinary(33), what);
        var u2 = Secp256k1.ReadPointField(reader.ReadBinary(33), what);
        var z3 = Secp256k1.ReadScalarField(reader.ReadBinary(32), what);
        var signature = Signature.FromBigEndianBytes(reader.ReadBinary(Signature.Size));
        reader.EnsureEnd();
        return new CapsuleFrag(e1, v1, kfragId, precursor, e2, v2, u1, u2, z3, signature);
    }

    /// <summary>The reference's MessagePack form (381 bytes).</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[SerializedSize];
        var writer = new MessagePackWriter(bytes);
        writer.WriteArrayHeader(5);
        Secp256k1.WritePoint(E1, writer.WriteBinary(33));
        Secp256k1.WritePoint(V1, writer.WriteBinary(33));
        writer.WriteBinary(_kfragId);
        Secp256k1.WritePoint(Precursor, writer.WriteBinary(33));
        writer.WriteArrayHeader(6);
        Secp256k1.WritePoint(E2, writer.WriteBinary(33));
        Secp256k1.WritePoint(V2, writer.WriteBinary(33));
        Secp256k1.WritePoint(U1, writer.WriteBinary(33));
        Secp256k1.WritePoint(U2, writer.WriteBinary(33));
        Secp256k1.WriteScalar(Z3, writer.WriteBinary(32));
        KFragSignature.WriteTo(writer.WriteBinary(Signature.Size));
        return bytes;
    }

    /// <summary>The reference's <c>toBytesSimple</c>: the fields concatenated (359 bytes).</summary>
    public byte[] ToBytesSimple()
    {
        var bytes = new byte[SimpleSize];
        var span = bytes.AsSpan();
        Secp256k1.WritePoint(E1, span[..33]);
        Secp256k1.WritePoint(V1, span.Slice(33, 33));
        _kfragId.CopyTo(span.Slice(66, 32));
        var position = 98;
        foreach (var point in new[] { Precursor, E2, V2, U1, U2 })
        {
            Secp256k1.WritePoint(point, span.Slice(position, 33));
            position += 33;
        }

        Secp256k1.WriteScalar(Z3, span.Slice(position, 32));
        KFragSignature.WriteTo(span.Slice(position + 32, Signature.Size));
        return bytes;
    }

    /// <summary>
    /// Checks the delegator's signature (made by <paramref name="verifyingKey"/>'s owner for exactly
    /// these delegating and receiving keys) and the re-encryption proof against
    /// <paramref name="capsule"/>. With <paramref name="verifiedSignatures"/>, a kfrag signature already
    /// found valid there is not computed again (the cfrags of one kfrag share it); the proof always is.
    /// </summary>
    /// <exception cref="CapsuleFragVerificationException">The signature or the proof fails.</exception>
    public VerifiedCapsuleFrag Verify(
        Capsule capsule, PublicKey verifyingKey, PublicKey delegatingKey, PublicKey receivingKey, VerifiedSignatures? verifiedSignatures = null)
    {
        ArgumentNullException.ThrowIfNull(capsule);
        ArgumentNullException.ThrowIfNull(verifyingKey);
        ArgumentNullException.ThrowIfNull(delegatingKey);
        ArgumentNullException.ThrowIfNull(receivingKey);

        var message = KeyFragMath.SignatureMessage(_kfragId, U1, Precursor, delegatingKey, receivingKey);
        if (!(verifiedSignatures?.Verify(KFragSignature, verifyingKey, message) ?? KFragSignature.Verify(verifyingKey, message)))
            throw new CapsuleFragVerificationException(CapsuleFragFailure.InvalidSignature);

        var h = ProofChallenge(capsule.E, E1, E2, capsule.V, V1, V2, U1, U2);
        var minusH = Secp256k1.Negate(h);
        // z3·X == X2 + h·X1  ⇔  z3·X − h·X1 == X2, for X in E, V, U.
        if (!Secp256k1.SumOfTwoMultiplies(capsule.E, Z3, E1, minusH).Equals(E2)
            || !Secp256k1.SumOfTwoMultiplies(capsule.V, Z3, V1, minusH).Equals(V2)
            || !Secp256k1.MultiplyU(Z3).Equals(U2.Add(U1.Multiply(h))))
        {
            throw new CapsuleFragVerificationException(CapsuleFragFailure.InvalidProof);
        }

        return new VerifiedCapsuleFrag(this);
    }

    public bool Equals(CapsuleFrag? other) => other is not null && ToBytesSimple().AsSpan().SequenceEqual(other.ToBytesSimple());

    public override bool Equals(object? obj) => Equals(obj as CapsuleFrag);

    public override int GetHashCode() => BitConverter.ToInt32(_kfragId, 0);

    public override string ToString() => $"CapsuleFrag({Convert.ToHexStringLower(_kfragId.AsSpan(0, 8))}…)";

    /// <summary>
    /// Re-encrypts <paramref name="capsule"/> with <paramref name="kfrag"/>: E1 = rk·E, V1 = rk·V and a
    /// proof of correct re-encryption with a fresh t (32 bytes from <paramref name="rng"/>).
    /// </summary>
    internal static VerifiedCapsuleFrag Reencrypt(Capsule capsule, KeyFrag kfrag, IRandomSource rng)
    {
        var rk = kfrag.Key;
        var t = Secp256k1.RandomNonZeroScalar(rng);
        var points = new[]
        {
            capsule.E.Multiply(rk), capsule.V.Multiply(rk),
            capsule.E.Multiply(t), capsule.V.Multiply(t), Secp256k1.MultiplyU(t),
        };
        Secp256k1.NormalizeAll(points);
        var (e1, v1, e2, v2, u2) = (points[0], points[1], points[2], points[3], points[4]);
        var u1 = kfrag.Commitment;
        var h = ProofChallenge(capsule.E, e1, e2, capsule.V, v1, v2, u1, u2);
        var z3 = Secp256k1.Add(Secp256k1.Multiply(rk, h), t);
        return new VerifiedCapsuleFrag(new CapsuleFrag(
            e1, v1, kfrag.Id.ToArray(), kfrag.Precursor, e2, v2, u1, u2, z3, kfrag.SignatureForReceiver));
    }

    /// <summary>h = H(CFRAG_VERIFICATION; E, E1, E2, V, V1, V2, U, U1, U2).</summary>
    private static BigInteger ProofChallenge(ECPoint e, ECPoint e1, ECPoint e2, ECPoint v, ECPoint v1, ECPoint v2, ECPoint u1, ECPoint u2) =>
        Secp256k1.HashPointsToScalar(CfragVerificationDst, e, e1, e2, v, v1, v2, Secp256k1.U, u1, u2);
}

/// <summary>
/// A capsule fragment known to belong to its capsule, delegation and receiver (it was verified, or
/// this process re-encrypted it). Only these are combined by decryption.
/// </summary>
public sealed class VerifiedCapsuleFrag : IEquatable<VerifiedCapsuleFrag>
{
    internal VerifiedCapsuleFrag(CapsuleFrag cfrag)
    {
        CapsuleFrag = cfrag;
    }

    /// <summary>The underlying fragment, e.g. to send it to a receiver who verifies it.</summary>
    public CapsuleFrag CapsuleFrag { get; }

    /// <summary>
    /// Restores a fragment that this system verified before storing it, without verifying again.
    /// Only for bytes read back from storage the caller trusts; anything received from outside
    /// goes through <see cref="CapsuleFrag.FromBytes"/> and <see cref="CapsuleFrag.Verify"/>.
    /// </summary>
    public static VerifiedCapsuleFrag FromVerifiedBytes(ReadOnlySpan<byte> bytes) => new(CapsuleFrag.FromBytes(bytes));

    public byte[] ToBytes() => CapsuleFrag.ToBytes();

    public bool Equals(VerifiedCapsuleFrag? other) => other is not null && CapsuleFrag.Equals(other.CapsuleFrag);

    public override bool Equals(object? obj) => Equals(obj as VerifiedCapsuleFrag);

    public override int GetHashCode() => CapsuleFrag.GetHashCode();

    public override string ToString() => $"Verified{CapsuleFrag}";
}
