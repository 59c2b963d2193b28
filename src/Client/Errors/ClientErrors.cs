namespace SeSPHR.Client.Errors;

/// <summary>
/// Every failure the SDK reports to its caller derives from this, so an application can catch the
/// SDK's errors in one place and act on each kind: ask for the password again, tell the user a
/// record was tampered with, retry when a service is back. The messages never carry a protected
/// value or a secret.
/// </summary>
public abstract class SeSPHRClientException : Exception
{
    protected SeSPHRClientException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}

/// <summary>
/// A sealed section did not verify: its envelope was changed, forged or truncated, or its signature
/// does not match. Nothing of the resource was opened; show the user that the record is not trustworthy.
/// </summary>
public sealed class TamperedEnvelopeException(string message, Exception? inner = null) : SeSPHRClientException(message, inner);

/// <summary>
/// A sealed section verified, but its writer is neither the patient nor a grantee the patient's
/// signed grant statement allows to write that section: someone wrote to the record without the
/// patient's leave.
/// </summary>
public sealed class UntrustedWriterException(string message, Exception? inner = null) : SeSPHRClientException(message, inner);

/// <summary>
/// A re-encrypted fragment (cfrag) that came with a section does not verify for this section, this
/// reader or this patient (for example a cfrag made for another capsule): the re-encryption was not
/// done as the patient allowed, so nothing is opened.
/// </summary>
public sealed class InvalidCapsuleFragmentException(string message, Exception? inner = null) : SeSPHRClientException(message, inner);

/// <summary>The SRS refused the sign-in: unknown user or wrong password (the SRS does not say which).</summary>
public sealed class WrongPasswordException(string message, Exception? inner = null) : SeSPHRClientException(message, inner);

/// <summary>The patient revoked the grant this caller relied on (the section's epoch moved on).</summary>
public sealed class GrantRevokedException(string message, Exception? inner = null) : SeSPHRClientException(message, inner);

/// <summary>The grant this caller relied on ended (its period is over).</summary>
public sealed class GrantExpiredException(string message, Exception? inner = null) : SeSPHRClientException(message, inner);

/// <summary>The SRS could not be reached or answered with a server error; try again later.</summary>
public sealed class SrsUnavailableException(string message, Exception? inner = null) : SeSPHRClientException(message, inner);

/// <summary>The FhirServer could not be reached or answered with a server error; try again later.</summary>
public sealed class FhirServerUnavailableException(string message, Exception? inner = null) : SeSPHRClientException(message, inner);

/// <summary>The operation needs a signed-in user (or tokens that can still be renewed), and there is none.</summary>
public sealed class NotSignedInException(string message, Exception? inner = null) : SeSPHRClientException(message, inner);

/// <summary>
/// The SRS refused a system's sign-in (SMART Backend Services): an unknown client, a key or
/// assertion it does not accept, or a scope the client was not registered for.
/// </summary>
public sealed class SignInRefusedException(string message, Exception? inner = null) : SeSPHRClientException(message, inner);
