using System.Security.Cryptography;

namespace SeSPHR.Crypto.Grants;

/// <summary>
/// Base of every refusal of a grant statement. A client that catches it must not use the statement;
/// messages name the failure and carry nothing secret.
/// </summary>
public abstract class GrantStatementException : CryptographicException
{
    protected GrantStatementException(string message)
        : base(message)
    {
    }

    protected GrantStatementException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The bytes are not a canonical version-2 grant statement header, entry or opening (wrong magic or version, truncated,
/// trailing bytes, out-of-order or repeated entries, values out of range), so there is no single
/// meaning a signature over them could vouch for.
/// </summary>
public sealed class GrantStatementFormatException : GrantStatementException
{
    public GrantStatementFormatException(string message)
        : base(message)
    {
    }

    public GrantStatementFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The signature does not verify as a grant statement under the patient's signing key: the statement
/// was altered, someone else signed it, or the signature was made for another purpose (an envelope, a
/// kfrag) over the same bytes.
/// </summary>
public sealed class GrantStatementSignatureException : GrantStatementException
{
    public GrantStatementSignatureException()
        : base("The grant statement's signature does not verify under the patient's signing key.")
    {
    }

    public GrantStatementSignatureException(string message)
        : base(message)
    {
    }

    public GrantStatementSignatureException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A validly signed statement older than one this client has already accepted: a server replaying
/// it would restore access the patient has since withdrawn.
/// </summary>
public sealed class StaleGrantStatementException : GrantStatementException
{
    public StaleGrantStatementException(long offered, long lastSeen)
        : base($"Grant statement {offered} is older than statement {lastSeen}, already seen.")
    {
        Offered = offered;
        LastSeen = lastSeen;
    }

    public long Offered { get; }

    public long LastSeen { get; }
}

/// <summary>
/// Two different statements carry the same number: the patient's key signed both (a bug or a stolen
/// key), or a server is showing different clients different histories. Neither is trusted.
/// </summary>
public sealed class ConflictingGrantStatementException : GrantStatementException
{
    public ConflictingGrantStatementException(long number)
        : base($"Grant statement {number} differs from the statement {number} already seen.")
    {
        Number = number;
    }

    public long Number { get; }
}

/// <summary>
/// A grant entry's opening does not lead to the signed root: the entry or its salt was altered, the
/// path belongs to another statement, or the entry is someone else's claim. The entry is not trusted.
/// </summary>
public sealed class GrantOpeningException : GrantStatementException
{
    public GrantOpeningException(string message)
        : base(message)
    {
    }
}

/// <summary>The statement is signed by the expected key but speaks about another patient.</summary>
public sealed class GrantStatementPatientMismatchException : GrantStatementException
{
    public GrantStatementPatientMismatchException()
        : base("The grant statement names another patient than the one expected.")
    {
    }
}
