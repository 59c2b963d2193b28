using System.Collections.ObjectModel;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Crypto.Grants;

/// <summary>
/// What the patient signs and every grantee sees: the statement number (clients refuse to go back),
/// the time of issue, each section's current epoch and delegating public key (writers encrypt to
/// exactly these), and a commitment to the grantee entries: the root of a salted Merkle tree and its
/// padded width. It names no grantee: a grantee proves its own entries against the root with its
/// <see cref="GrantOpening"/>s, and learns nothing of the others. Only the patient's signature makes
/// it count (<see cref="Sign"/>, <see cref="SignedGrantStatement.Verify"/>).
/// </summary>
/// <remarks>Canonical bytes in <c>src/Crypto/Grants/README.md</c>; every section is listed whether granted or not.</remarks>
public sealed class GrantStatementHeader
{
    private readonly byte[] _canonicalBytes;
    private readonly byte[] _root;

    internal GrantStatementHeader(string patientId, long number, DateTimeOffset issuedAt, ReadOnlyCollection<SectionKey> sections, uint width, byte[] root)
    {
        PatientId = patientId;
        Number = number;
        IssuedAt = issuedAt;
        Sections = sections;
        Width = width;
        _root = root;
        _canonicalBytes = Encode();
    }

    /// <summary>Magic at the start of the canonical bytes.</summary>
    public static ReadOnlySpan<byte> Magic => "SPGS"u8;

    public string PatientId { get; }

    /// <summary>Increases with every statement the patient issues; clients refuse to go back.</summary>
    public long Number { get; }

    public DateTimeOffset IssuedAt { get; }

    /// <summary>Every section with its current epoch and key, ascending by code.</summary>
    public IReadOnlyList<SectionKey> Sections { get; }

    /// <summary>The padded number of leaves (a power of two, at least 16): all the header tells of how many entries there are.</summary>
    public uint Width { get; }

    /// <summary>The Merkle root over the salted entries and padding.</summary>
    public byte[] Root() => (byte[])_root.Clone();

    public byte[] ToCanonicalBytes() => (byte[])_canonicalBytes.Clone();

    internal ReadOnlySpan<byte> CanonicalBytes => _canonicalBytes;

    public SectionKey? FindSection(string section) => Sections.FirstOrDefault(s => s.Section == section);

    /// <summary>Signs the canonical bytes with the patient's signing key under <see cref="GrantStatement.SignatureDomainTag"/>.</summary>
    public SignedGrantStatement Sign(Signer patientSigner, Primitives.IRandomSource? rng = null)
    {
        ArgumentNullException.ThrowIfNull(patientSigner);
        var signature = patientSigner.Sign(SignedGrantStatement.SignedMessage(_canonicalBytes), rng);
        return new SignedGrantStatement(_canonicalBytes, signature);
    }

    /// <summary>
    /// The entry <paramref name="opening"/> proves to be under this header's root. A grantee (or the
    /// SRS, or a reader checking a writer) learns this one entry and nothing of the others.
    /// </summary>
    /// <exception cref="GrantOpeningException">The entry, its salt or its path do not lead to this root (tampered, another statement's opening, wrong width).</exception>
    public GrantEntry Open(GrantOpening opening)
    {
        ArgumentNullException.ThrowIfNull(opening);
        if (opening.Path.Count != GrantTree.DepthOf((int)Width) || opening.Index >= Width)
            throw new GrantOpeningException("The opening's path does not fit the statement's tree.");
        var leaf = GrantTree.LeafHash(opening.Salt, opening.Entry.ToCanonicalBytes());
        var root = GrantTree.RootFrom(leaf, opening.Index, opening.Path);
        if (!System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(root, _root))
            throw new GrantOpeningException("The grant entry is not in this signed statement.");
        if (FindSection(opening.Entry.Section) is null)
            throw new GrantOpeningException("The grant entry names a section the statement does not list.");
        return opening.Entry;
    }

    /// <summary>Parses canonical header bytes; anything not exactly canonical is refused. Proves nothing about who wrote it.</summary>
    /// <exception cref="GrantStatementFormatException">Not a canonical version-2 statement header.</exception>
    public static GrantStatementHeader FromCanonicalBytes(ReadOnlySpan<byte> bytes)
    {
        GrantStatementHeader header;
        try
        {
            header = Decode(bytes);
        }
        catch (ArgumentException ex)
        {
            throw new GrantStatementFormatException("The grant statement holds an invalid value.", ex);
        }
        catch (UmbralException ex)
        {
            throw new GrantStatementFormatException("The grant statement holds an invalid section public key.", ex);
        }

        if (!header.CanonicalBytes.SequenceEqual(bytes))
            throw new GrantStatementFormatException("The grant statement is not in canonical form.");
        return header;
    }

    public override string ToString() => $"GrantStatementHeader({PatientId} #{Number}, {Sections.Count} sections, width {Width})";

    private byte[] Encode()
    {
        var writer = new CanonicalWriter();
        writer.WriteBytes(Magic);
        writer.WriteByte(GrantStatement.FormatVersion);
        writer.WriteString(PatientId);
        writer.WriteUInt64((ulong)Number);
        writer.WriteInt64(IssuedAt.ToUnixTimeMilliseconds());
        writer.WriteUInt32((uint)Sections.Count);
        foreach (var section in Sections)
        {
            writer.WriteString(section.Section);
            writer.WriteUInt32(section.Epoch);
            writer.WriteBytes(section.PublicKey.ToCompressedBytes());
        }

        writer.WriteUInt32(Width);
        writer.WriteBytes(_root);
        return writer.ToArray();
    }

    private static GrantStatementHeader Decode(ReadOnlySpan<byte> bytes)
    {
        var reader = new CanonicalReader(bytes);
        if (!reader.ReadBytes(Magic.Length).SequenceEqual(Magic))
            throw new GrantStatementFormatException("Not a grant statement (wrong magic).");
        if (reader.ReadByte() != GrantStatement.FormatVersion)
            throw new GrantStatementFormatException("Unknown grant statement format version.");

        var patientId = reader.ReadString(GrantStatement.MaxIdBytes);
        GrantStatement.ValidateId(patientId, nameof(bytes));
        var number = reader.ReadUInt64();
        if (number is 0 or > long.MaxValue)
            throw new GrantStatementFormatException("The statement number is out of range.");
        var issuedAt = GrantStatement.ReadTime(ref reader);

        var sections = new List<SectionKey>();
        for (int i = 0, count = reader.ReadCount(minItemSize: 4 + 1 + 4 + PublicKey.CompressedSize); i < count; i++)
        {
            var code = reader.ReadString(GrantStatement.MaxSectionCodeLength);
            var epoch = reader.ReadUInt32();
            sections.Add(new SectionKey(code, epoch, PublicKey.FromBytes(reader.ReadBytes(PublicKey.CompressedSize))));
        }

        var width = reader.ReadUInt32();
        if (!GrantTree.IsValidWidth(width))
            throw new GrantStatementFormatException("The statement's tree width is not a power of two in range.");
        var root = reader.ReadBytes(GrantTree.HashSize).ToArray();
        reader.EnsureEnd();
        return new GrantStatementHeader(patientId, (long)number, issuedAt, GrantStatement.NormalizeSections(sections), width, root);
    }
}
