using System.Security.Cryptography;

namespace SeSPHR.Crypto.Envelopes;

/// <summary>
/// Base of every failure to read or open a section envelope. Messages never carry key material,
/// shared secrets or plaintext. Umbral errors about capsule fragments (for example
/// <see cref="Umbral.TooFewCapsuleFragsException"/>) pass through unchanged.
/// </summary>
public abstract class EnvelopeException : CryptographicException
{
    protected EnvelopeException(string message)
        : base(message)
    {
    }

    protected EnvelopeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The bytes are not a well-formed envelope of a known version (wrong lengths, invalid capsule, trailing data).</summary>
public sealed class MalformedEnvelopeException : EnvelopeException
{
    public MalformedEnvelopeException(string message)
        : base(message)
    {
    }

    public MalformedEnvelopeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The envelope declares a format version or algorithm this code does not implement. Nothing else
/// in it is interpreted, so a future format is never misread as this one.
/// </summary>
public sealed class UnsupportedEnvelopeVersionException : EnvelopeException
{
    public UnsupportedEnvelopeVersionException(byte formatVersion, byte algorithmId)
        : base($"Unsupported envelope format version {formatVersion} / algorithm {algorithmId}.")
    {
        FormatVersion = formatVersion;
        AlgorithmId = algorithmId;
    }

    public byte FormatVersion { get; }

    public byte AlgorithmId { get; }
}

/// <summary>
/// The envelope names another section or epoch than the reader expects: it was moved from
/// elsewhere in the record, so it is refused before any key is used.
/// </summary>
public sealed class EnvelopeContextMismatchException : EnvelopeException
{
    public EnvelopeContextMismatchException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// The writer's signature does not verify for the expected writer and context: the envelope was
/// altered, forged by someone who only knows the section's public key, signed by another writer,
/// moved to another resource, or the resource's bound clear fields were changed.
/// </summary>
public sealed class EnvelopeSignatureException : EnvelopeException
{
    public EnvelopeSignatureException()
        : base("The envelope's writer signature does not verify for this writer, resource, section, epoch and bound fields.")
    {
    }
}

/// <summary>
/// The signed envelope did not decrypt with the key material supplied: it is the wrong key for
/// this section and epoch (or the writer encrypted it to another key). No plaintext is released.
/// </summary>
public sealed class EnvelopeDecryptionException : EnvelopeException
{
    public EnvelopeDecryptionException()
        : base("The envelope did not decrypt with the supplied key material.")
    {
    }
}
