using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Crypto.Grants;

/// <summary>
/// A signed statement header together with the opening of one entry under it: what a grantee who
/// writes attaches to its envelope, so that any reader can check, with the patient's signing key
/// alone, that the writer held write in that section when the section's epoch was current, while
/// learning only that one entry of the writer's (not its other sections, not other grantees).
/// </summary>
/// <remarks>Wire form: <c>u32be(len signed statement) || signed statement wire form || opening wire form</c>.</remarks>
public sealed class GrantEntryProof
{
    public GrantEntryProof(SignedGrantStatement statement, GrantOpening opening)
    {
        ArgumentNullException.ThrowIfNull(statement);
        ArgumentNullException.ThrowIfNull(opening);
        Statement = statement;
        Opening = opening;
    }

    public SignedGrantStatement Statement { get; }

    public GrantOpening Opening { get; }

    public byte[] ToBytes()
    {
        var writer = new CanonicalWriter();
        writer.WriteLengthPrefixed(Statement.ToBytes());
        writer.WriteBytes(Opening.ToBytes());
        return writer.ToArray();
    }

    /// <exception cref="GrantStatementFormatException">Not the wire form of a proof.</exception>
    public static GrantEntryProof FromBytes(ReadOnlySpan<byte> bytes)
    {
        var reader = new CanonicalReader(bytes);
        var length = reader.ReadUInt32();
        if (length > (uint)reader.Remaining)
            throw new GrantStatementFormatException("The grant entry proof is truncated.");
        var statement = SignedGrantStatement.FromBytes(reader.ReadBytes((int)length));
        return new GrantEntryProof(statement, GrantOpening.FromBytes(reader.ReadBytes(reader.Remaining)));
    }

    /// <summary>Verifies the header under the patient's key and the entry under the header's root.</summary>
    /// <exception cref="GrantStatementSignatureException">The header is not the patient's.</exception>
    /// <exception cref="GrantOpeningException">The entry is not under the signed root.</exception>
    public (GrantStatementHeader Header, GrantEntry Entry) Verify(PublicKey patientSigningKey)
    {
        var header = Statement.Verify(patientSigningKey);
        return (header, header.Open(Opening));
    }
}
