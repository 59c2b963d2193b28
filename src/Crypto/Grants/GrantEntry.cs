namespace SeSPHR.Crypto.Grants;

/// <summary>
/// One leaf of a grant statement: one grantee's grant in one section (key fingerprint, user id,
/// section, actions, period). A grantee is given only its own entries, each with the salt and the
/// Merkle path that prove it is under the root the patient signed (<see cref="GrantOpening"/>), so
/// no grantee learns from a statement who else the patient shares with; and a writer can show
/// readers its write grant in the one section it wrote without showing its other sections.
/// </summary>
public sealed record GrantEntry(KeyFingerprint Fingerprint, string GranteeId, SectionGrant Grant)
{
    /// <summary>Magic at the start of an entry's canonical bytes.</summary>
    public static ReadOnlySpan<byte> Magic => "SPGE"u8;

    public string Section => Grant.Section;

    /// <summary>Whether this entry lets <paramref name="fingerprint"/> do <paramref name="action"/> in <paramref name="section"/> at <paramref name="at"/>.</summary>
    public bool Allows(KeyFingerprint fingerprint, string section, GrantActions action, DateTimeOffset at) =>
        Fingerprint.Equals(fingerprint) && Grant.Section == section && Grant.Allows(action, at);

    /// <summary>The canonical bytes the leaf hash is taken over (<c>src/Crypto/Grants/README.md</c>).</summary>
    public byte[] ToCanonicalBytes()
    {
        var writer = new CanonicalWriter();
        Write(writer);
        return writer.ToArray();
    }

    internal void Write(CanonicalWriter writer)
    {
        writer.WriteBytes(Magic);
        writer.WriteByte(GrantStatement.FormatVersion);
        writer.WriteBytes(Fingerprint.Bytes);
        writer.WriteString(GranteeId);
        writer.WriteString(Grant.Section);
        writer.WriteByte((byte)Grant.Actions);
        writer.WriteInt64(Grant.Start.ToUnixTimeMilliseconds());
        if (Grant.End is { } end)
        {
            writer.WriteByte(1);
            writer.WriteInt64(end.ToUnixTimeMilliseconds());
        }
        else
        {
            writer.WriteByte(0);
        }
    }

    /// <summary>Reads an entry and checks it is valid and canonical (it re-encodes to the very bytes read).</summary>
    internal static GrantEntry Read(ref CanonicalReader reader)
    {
        if (!reader.ReadBytes(Magic.Length).SequenceEqual(Magic))
            throw new GrantStatementFormatException("Not a grant entry (wrong magic).");
        if (reader.ReadByte() != GrantStatement.FormatVersion)
            throw new GrantStatementFormatException("Unknown grant entry format version.");
        var fingerprint = KeyFingerprint.FromBytes(reader.ReadBytes(KeyFingerprint.Size));
        var granteeId = reader.ReadString(GrantStatement.MaxIdBytes);
        var section = reader.ReadString(GrantStatement.MaxSectionCodeLength);
        var actions = (GrantActions)reader.ReadByte();
        var start = GrantStatement.ReadTime(ref reader);
        DateTimeOffset? end = reader.ReadByte() switch
        {
            0 => null,
            1 => GrantStatement.ReadTime(ref reader),
            _ => throw new GrantStatementFormatException("A grant's end marker is neither 0 nor 1."),
        };
        try
        {
            return GrantStatement.ValidEntry(new GrantEntry(fingerprint, granteeId, new SectionGrant(section, actions, start, end)));
        }
        catch (ArgumentException ex)
        {
            throw new GrantStatementFormatException("The grant entry holds an invalid value.", ex);
        }
    }
}
