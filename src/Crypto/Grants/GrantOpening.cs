using System.Collections.ObjectModel;

namespace SeSPHR.Crypto.Grants;

/// <summary>
/// One grantee's proof that one of its entries is in a signed statement: the entry, its salt, its
/// leaf index and the sibling hashes up to the root. It tells the holder this entry only: the
/// siblings are hashes over salted entries and pseudo-random padding. Nothing is trusted until
/// <see cref="GrantStatementHeader.Open"/> has recomputed the signed root from it.
/// </summary>
/// <remarks>Wire form in <c>src/Crypto/Grants/README.md</c>.</remarks>
public sealed class GrantOpening
{
    internal GrantOpening(GrantEntry entry, byte[] salt, uint index, ReadOnlyCollection<byte[]> path)
    {
        Entry = entry;
        Salt = salt;
        Index = index;
        Path = path;
    }

    /// <summary>Magic at the start of the wire form.</summary>
    public static ReadOnlySpan<byte> Magic => "SPGO"u8;

    /// <summary>The entry as claimed; unverified until opened against a header.</summary>
    public GrantEntry Entry { get; }

    internal byte[] Salt { get; }

    public uint Index { get; }

    internal IReadOnlyList<byte[]> Path { get; }

    public byte[] ToBytes()
    {
        var writer = new CanonicalWriter();
        writer.WriteBytes(Magic);
        writer.WriteByte(GrantStatement.FormatVersion);
        writer.WriteLengthPrefixed(Entry.ToCanonicalBytes());
        writer.WriteBytes(Salt);
        writer.WriteUInt32(Index);
        writer.WriteByte((byte)Path.Count);
        foreach (var sibling in Path)
        {
            writer.WriteBytes(sibling);
        }

        return writer.ToArray();
    }

    /// <summary>Parses the wire form (strictly: one encoding per opening); nothing is verified here.</summary>
    /// <exception cref="GrantStatementFormatException">Not the wire form of an opening.</exception>
    public static GrantOpening FromBytes(ReadOnlySpan<byte> bytes)
    {
        var reader = new CanonicalReader(bytes);
        if (!reader.ReadBytes(Magic.Length).SequenceEqual(Magic))
            throw new GrantStatementFormatException("Not a grant opening (wrong magic).");
        if (reader.ReadByte() != GrantStatement.FormatVersion)
            throw new GrantStatementFormatException("Unknown grant opening format version.");
        var entryLength = reader.ReadUInt32();
        if (entryLength > (uint)reader.Remaining)
            throw new GrantStatementFormatException("The grant opening is truncated.");
        var entryReader = new CanonicalReader(reader.ReadBytes((int)entryLength));
        var entry = GrantEntry.Read(ref entryReader);
        entryReader.EnsureEnd();
        var salt = reader.ReadBytes(GrantTree.HashSize).ToArray();
        var index = reader.ReadUInt32();
        var depth = reader.ReadByte();
        if (depth > GrantTree.MaxDepth || index >= 1u << depth)
            throw new GrantStatementFormatException("The grant opening's path is out of range.");
        var path = new List<byte[]>(depth);
        for (var i = 0; i < depth; i++)
        {
            path.Add(reader.ReadBytes(GrantTree.HashSize).ToArray());
        }

        reader.EnsureEnd();
        return new GrantOpening(entry, salt, index, path.AsReadOnly());
    }
}
