using System.Buffers.Binary;
using System.Text;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Crypto.Grants;

/// <summary>
/// A grant statement header's canonical bytes with the patient's signature, as stored beside the Consent.
/// Its content is reachable only through <see cref="Verify"/>, so no caller can act on a statement
/// whose signature it has not checked. The signature covers
/// <c>LP("SeSPHR/grant-statement/v2") || header bytes</c>, so a signature the same key made for an
/// envelope or a kfrag never verifies as a grant statement.
/// </summary>
/// <remarks>Wire form: <c>u32be(len statement) || statement || signature r(32) || s(32)</c>.</remarks>
public sealed class SignedGrantStatement
{
    private static readonly byte[] DomainTag = Encoding.ASCII.GetBytes(GrantStatement.SignatureDomainTag);

    private readonly byte[] _statementBytes;

    internal SignedGrantStatement(byte[] statementBytes, Signature signature)
    {
        _statementBytes = statementBytes;
        Signature = signature;
    }

    public Signature Signature { get; }

    /// <summary>Creates one from its parts, for example as read from storage; nothing is checked until <see cref="Verify"/>.</summary>
    public static SignedGrantStatement FromParts(ReadOnlySpan<byte> statementBytes, Signature signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        return new SignedGrantStatement(statementBytes.ToArray(), signature);
    }

    /// <summary>Parses the wire form; nothing is verified until <see cref="Verify"/>.</summary>
    /// <exception cref="GrantStatementFormatException">Not the wire form of a signed statement.</exception>
    public static SignedGrantStatement FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 4)
            throw new GrantStatementFormatException("The signed grant statement is truncated.");
        var length = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        if (length != (ulong)bytes.Length - 4 - Signature.Size)
            throw new GrantStatementFormatException("The signed grant statement's length does not match its content.");
        try
        {
            return new SignedGrantStatement(bytes.Slice(4, (int)length).ToArray(), Signature.FromBigEndianBytes(bytes[(4 + (int)length)..]));
        }
        catch (InvalidEncodingException ex)
        {
            throw new GrantStatementFormatException("The grant statement's signature is not a valid encoding.", ex);
        }
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[4 + _statementBytes.Length + Signature.Size];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)_statementBytes.Length);
        _statementBytes.CopyTo(bytes, 4);
        Signature.ToBigEndianBytes().CopyTo(bytes, 4 + _statementBytes.Length);
        return bytes;
    }

    /// <summary>The canonical statement bytes (a copy), unverified.</summary>
    public byte[] StatementBytes() => (byte[])_statementBytes.Clone();

    /// <summary>
    /// Checks the signature under the patient's signing key and the grant-statement domain tag, then
    /// parses the header. This checks authenticity only; use <see cref="GrantStatementVerifier"/> to
    /// also refuse statements older than one already seen.
    /// </summary>
    /// <exception cref="GrantStatementSignatureException">Altered, signed by another key, or signed for another purpose.</exception>
    /// <exception cref="GrantStatementFormatException">Validly signed bytes that are not a canonical statement header.</exception>
    public GrantStatementHeader Verify(PublicKey patientSigningKey)
    {
        ArgumentNullException.ThrowIfNull(patientSigningKey);
        if (!Signature.Verify(patientSigningKey, SignedMessage(_statementBytes)))
            throw new GrantStatementSignatureException();
        return GrantStatementHeader.FromCanonicalBytes(_statementBytes);
    }

    internal static byte[] SignedMessage(ReadOnlySpan<byte> statementBytes)
    {
        var message = new byte[4 + DomainTag.Length + statementBytes.Length];
        BinaryPrimitives.WriteUInt32BigEndian(message, (uint)DomainTag.Length);
        DomainTag.CopyTo(message, 4);
        statementBytes.CopyTo(message.AsSpan(4 + DomainTag.Length));
        return message;
    }
}
