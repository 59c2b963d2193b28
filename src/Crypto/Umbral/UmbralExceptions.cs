using System.Security.Cryptography;

namespace SeSPHR.Crypto.Umbral;

/// <summary>
/// Base of every Umbral failure. Messages name what failed, never key material, shared secrets
/// or plaintext, so they are safe to log.
/// </summary>
public abstract class UmbralException : CryptographicException
{
    protected UmbralException(string message)
        : base(message)
    {
    }

    protected UmbralException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Bytes that do not encode the object they claim to: wrong length or layout, a scalar not below
/// the group order (or zero where zero is forbidden), a point not on the curve, the identity as a
/// public key. Nothing is built from such input.
/// </summary>
public sealed class InvalidEncodingException : UmbralException
{
    public InvalidEncodingException(string message)
        : base(message)
    {
    }

    public InvalidEncodingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A capsule failed its self-check (s·G = V + h·E): it was altered after encryption, so it is
/// rejected before any key is derived from it.
/// </summary>
public sealed class TamperedCapsuleException : UmbralException
{
    public TamperedCapsuleException()
        : base("Capsule self-verification failed: the capsule was altered.")
    {
    }
}

/// <summary>Why a decryption failed.</summary>
public enum DecryptionFailure
{
    /// <summary>The ciphertext is shorter than its 24-byte nonce.</summary>
    CiphertextTooShort,

    /// <summary>The AEAD tag did not verify: a wrong key, or altered ciphertext or capsule.</summary>
    AuthenticationFailed,
}

/// <summary>
/// The ciphertext did not decrypt under the key derived from the capsule: the secret key is the
/// wrong one, or the ciphertext or capsule was tampered with. No plaintext is ever released.
/// </summary>
public sealed class DecryptionFailedException : UmbralException
{
    public DecryptionFailedException(DecryptionFailure reason)
        : base(reason == DecryptionFailure.CiphertextTooShort
            ? "The ciphertext must include the nonce."
            : "Decryption of ciphertext failed: wrong key, or the ciphertext or capsule was tampered with.")
    {
        Reason = reason;
    }

    public DecryptionFailure Reason { get; }
}

/// <summary>Why a key fragment was rejected.</summary>
public enum KeyFragFailure
{
    /// <summary>The commitment does not match the fragment's key: the key was altered.</summary>
    InvalidCommitment,

    /// <summary>The fragment signs the delegating key but the verifier did not supply it.</summary>
    DelegatingKeyNotProvided,

    /// <summary>The fragment signs the receiving key but the verifier did not supply it.</summary>
    ReceivingKeyNotProvided,

    /// <summary>
    /// The delegation signature does not verify: the fragment was altered, signed by someone other
    /// than the expected signer, or is presented for another delegating or receiving key.
    /// </summary>
    InvalidSignature,
}

/// <summary>
/// A key fragment that was not made by the expected signer for the expected keys, or was altered:
/// only a fragment that passes verification can be used to re-encrypt.
/// </summary>
public sealed class KeyFragVerificationException : UmbralException
{
    public KeyFragVerificationException(KeyFragFailure reason)
        : base(reason switch
        {
            KeyFragFailure.InvalidCommitment => "Invalid kfrag commitment.",
            KeyFragFailure.DelegatingKeyNotProvided => "A signature of a delegating key was included in this kfrag but the key is not provided.",
            KeyFragFailure.ReceivingKeyNotProvided => "A signature of a receiving key was included in this kfrag but the key is not provided.",
            _ => "Failed to verify the kfrag signature.",
        })
    {
        Reason = reason;
    }

    public KeyFragFailure Reason { get; }
}

/// <summary>Why a capsule fragment was rejected.</summary>
public enum CapsuleFragFailure
{
    /// <summary>
    /// The delegation signature it carries does not verify: another signer, another delegating
    /// key, another receiver, or altered fields.
    /// </summary>
    InvalidSignature,

    /// <summary>The re-encryption proof does not hold: it was made for another capsule, or altered.</summary>
    InvalidProof,
}

/// <summary>
/// A capsule fragment that does not belong to this capsule, delegation and receiver, or was
/// altered. Such a fragment is never combined into a decryption.
/// </summary>
public sealed class CapsuleFragVerificationException : UmbralException
{
    public CapsuleFragVerificationException(CapsuleFragFailure reason)
        : base(reason == CapsuleFragFailure.InvalidSignature
            ? "Invalid CapsuleFrag signature: wrong signer, delegating key or receiver."
            : "Failed to verify reencryption proof: the cfrag was not made for this capsule.")
    {
        Reason = reason;
    }

    public CapsuleFragFailure Reason { get; }
}

/// <summary>
/// The capsule fragments do not reconstruct the capsule's key: none were given, or fewer than the
/// threshold, or they belong to another capsule or receiver.
/// </summary>
public sealed class TooFewCapsuleFragsException : UmbralException
{
    public TooFewCapsuleFragsException(int count)
        : base(count == 0
            ? "Empty CapsuleFrag sequence."
            : "The CapsuleFrags do not open this capsule: fewer than the threshold, or not made for this capsule and receiver.")
    {
        Count = count;
    }

    /// <summary>How many fragments were supplied.</summary>
    public int Count { get; }
}

/// <summary>The same capsule fragment (share index) was supplied more than once.</summary>
public sealed class RepeatedCapsuleFragsException : UmbralException
{
    public RepeatedCapsuleFragsException()
        : base("Some of the CapsuleFrags are repeated.")
    {
    }
}

/// <summary>
/// The capsule fragments come from different key-fragment sets (their precursors differ), so
/// they cannot be combined.
/// </summary>
public sealed class MismatchedCapsuleFragsException : UmbralException
{
    public MismatchedCapsuleFragsException()
        : base("CapsuleFrags are not pairwise consistent (different precursors).")
    {
    }
}
