using Org.BouncyCastle.Math;
using Org.BouncyCastle.Math.EC;
using SeSPHR.Crypto.Primitives;

namespace SeSPHR.Crypto.Umbral;

/// <summary>
/// The encapsulated key of one Umbral encryption: (E, V, s) with s·G = V + h·E. Only the
/// delegating secret key, or a threshold of capsule fragments re-encrypted for a receiver, opens
/// it. Parsing runs the self-check, so an altered capsule is rejected before anything is derived
/// from it.
/// </summary>
public sealed class Capsule : IEquatable<Capsule>
{
    /// <summary>Length of <see cref="ToBytes"/> (MessagePack).</summary>
    public const int SerializedSize = 105;

    /// <summary>Length of <see cref="ToBytesSimple"/>: E(33) || V(33) || s(32).</summary>
    public const int SimpleSize = 98;

    private static readonly byte[] CapsulePointsDst = "CAPSULE_POINTS"u8.ToArray();

    private readonly byte[] _simple;
    private BigInteger? _h;

    private Capsule(ECPoint e, ECPoint v, BigInteger s, BigInteger? h = null)
    {
        _h = h;
        E = e;
        V = v;
        S = s;
        _simple = new byte[SimpleSize];
        Secp256k1.WritePoint(e, _simple.AsSpan(0, 33));
        Secp256k1.WritePoint(v, _simple.AsSpan(33, 33));
        Secp256k1.WriteScalar(s, _simple.AsSpan(66, 32));
    }

    internal ECPoint E { get; }

    internal ECPoint V { get; }

    internal BigInteger S { get; }

    /// <summary>h = H(CAPSULE_POINTS; E, V).</summary>
    internal BigInteger H => _h ??= Secp256k1.HashToScalar(CapsulePointsDst, _simple.AsSpan(0, 66));

    /// <summary>E(33) || V(33) || s(32): the DEM's associated data.</summary>
    internal ReadOnlySpan<byte> SimpleBytes => _simple;

    /// <summary>Parses the reference's MessagePack form and runs the self-check.</summary>
    /// <exception cref="InvalidEncodingException">The bytes do not encode a capsule.</exception>
    /// <exception cref="TamperedCapsuleException">The capsule fails its self-check.</exception>
    public static Capsule FromBytes(ReadOnlySpan<byte> bytes)
    {
        var reader = new MessagePackReader(bytes, nameof(Capsule));
        reader.ReadArrayHeader(3);
        var e = Secp256k1.ReadPointField(reader.ReadBinary(33), nameof(Capsule));
        var v = Secp256k1.ReadPointField(reader.ReadBinary(33), nameof(Capsule));
        var s = Secp256k1.ReadScalarField(reader.ReadBinary(32), nameof(Capsule));
        reader.EnsureEnd();

        var capsule = new Capsule(e, v, s);
        if (!capsule.IsValid())
            throw new TamperedCapsuleException();
        return capsule;
    }

    /// <summary>The reference's MessagePack form (105 bytes), which <see cref="FromBytes"/> reads back.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[SerializedSize];
        var writer = new MessagePackWriter(bytes);
        writer.WriteArrayHeader(3);
        writer.WriteBinary(_simple.AsSpan(0, 33));
        writer.WriteBinary(_simple.AsSpan(33, 33));
        writer.WriteBinary(_simple.AsSpan(66, 32));
        return bytes;
    }

    /// <summary>E || V || s (98 bytes), the reference's <c>toBytesSimple</c>.</summary>
    public byte[] ToBytesSimple() => (byte[])_simple.Clone();

    public bool Equals(Capsule? other) => other is not null && _simple.AsSpan().SequenceEqual(other._simple);

    public override bool Equals(object? obj) => Equals(obj as Capsule);

    public override int GetHashCode() => BitConverter.ToInt32(_simple, 1);

    public override string ToString() => $"Capsule({Convert.ToHexStringLower(_simple.AsSpan(66, 8))}…)";

    /// <summary>
    /// Makes a fresh capsule for <paramref name="delegatingKey"/> and returns it with the shared
    /// point (33 bytes compressed). Draws r (32 bytes) then u (32 bytes) from <paramref name="rng"/>.
    /// </summary>
    internal static (Capsule Capsule, SecretBytes SharedPoint) Encapsulate(PublicKey delegatingKey, IRandomSource rng)
    {
        var r = Secp256k1.RandomNonZeroScalar(rng);
        var u = Secp256k1.RandomNonZeroScalar(rng);
        var points = new[] { Secp256k1.MultiplyG(r), Secp256k1.MultiplyG(u) };
        Secp256k1.NormalizeAll(points);
        var h = Secp256k1.HashPointsToScalar(CapsulePointsDst, points[0], points[1]);
        var capsule = new Capsule(points[0], points[1], Secp256k1.Add(u, Secp256k1.Multiply(r, h)), h);
        var shared = delegatingKey.Point.Multiply(Secp256k1.Add(r, u)).Normalize();
        return (capsule, ToSecret(shared));
    }

    /// <summary>The shared point a·(E + V), known to the delegating key's owner.</summary>
    internal SecretBytes OpenOriginal(SecretKey delegatingKey) =>
        ToSecret(E.Add(V).Multiply(delegatingKey.Scalar).Normalize());

    /// <summary>
    /// The shared point reconstructed from re-encrypted fragments: combines E1, V1 with Lagrange
    /// coefficients, checks the result against the capsule and the delegating key, then returns
    /// d·(E' + V').
    /// </summary>
    internal SecretBytes OpenReencrypted(SecretKey receivingKey, PublicKey delegatingKey, IReadOnlyList<CapsuleFrag> cfrags)
    {
        if (cfrags.Count == 0)
            throw new TooFewCapsuleFragsException(0);
        var precursor = cfrags[0].Precursor;
        for (var i = 1; i < cfrags.Count; i++)
        {
            if (!cfrags[i].Precursor.Equals(precursor))
                throw new MismatchedCapsuleFragsException();
        }

        var receivingPublic = receivingKey.PublicKey;
        var dh = precursor.Multiply(receivingKey.Scalar).Normalize();

        var shareIndices = new BigInteger[cfrags.Count];
        for (var i = 0; i < cfrags.Count; i++)
            shareIndices[i] = KeyFragMath.ShareIndex(precursor, receivingPublic.Point, dh, cfrags[i].KFragId);

        var lambdas = KeyFragMath.LagrangeCoefficientsAtZero(shareIndices)
            ?? throw new RepeatedCapsuleFragsException();

        var e1 = new ECPoint[cfrags.Count];
        var v1 = new ECPoint[cfrags.Count];
        for (var i = 0; i < cfrags.Count; i++)
        {
            e1[i] = cfrags[i].E1;
            v1[i] = cfrags[i].V1;
        }

        var ePrime = cfrags.Count == 1 ? e1[0].Multiply(lambdas[0]) : ECAlgorithms.SumOfMultiplies(e1, lambdas);
        var vPrime = cfrags.Count == 1 ? v1[0].Multiply(lambdas[0]) : ECAlgorithms.SumOfMultiplies(v1, lambdas);

        var d = KeyFragMath.SharedSecretScalar(precursor, receivingPublic.Point, dh);

        // A·(s/d) == h·E' + V'  ⇔  A·(s/d) − h·E' == V'
        var check = Secp256k1.SumOfTwoMultiplies(delegatingKey.Point, Secp256k1.Multiply(S, Secp256k1.Invert(d)), ePrime, Secp256k1.Negate(H));
        if (!check.Equals(vPrime))
            throw new TooFewCapsuleFragsException(cfrags.Count);

        var shared = ePrime.Add(vPrime).Multiply(d).Normalize();
        if (shared.IsInfinity)
            throw new TooFewCapsuleFragsException(cfrags.Count);
        return ToSecret(shared);
    }

    /// <summary>s·G == V + h·E  ⇔  s·G − h·E == V.</summary>
    private bool IsValid() => Secp256k1.SumOfTwoMultiplies(Secp256k1.G, S, E, Secp256k1.Negate(H)).Equals(V);

    private static SecretBytes ToSecret(ECPoint normalizedPoint)
    {
        if (normalizedPoint.IsInfinity)
            throw new InvalidOperationException("The shared point is the identity; the inputs are degenerate.");
        var secret = SecretBytes.Allocate(Secp256k1.PointSize);
        Secp256k1.WritePoint(normalizedPoint, secret.AsWritableSpan());
        return secret;
    }
}
