using System.Security.Cryptography;

namespace SeSPHR.Crypto.Passwords;

/// <summary>
/// Proposed Argon2id parameters lie outside the client's <see cref="PasswordKdfPolicy"/>: weaker than
/// its minimum (a server trying to make the password cheaper to guess) or above its maximum (a server
/// trying to exhaust the client). Raised before the password is used.
/// </summary>
public sealed class PasswordKdfParametersRejectedException : CryptographicException
{
    public PasswordKdfParametersRejectedException()
        : base("The password parameters are outside this client's policy.")
    {
    }

    public PasswordKdfParametersRejectedException(string message)
        : base(message)
    {
    }

    public PasswordKdfParametersRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A key backup did not open: the password is wrong, the blob belongs to another user, or a byte of it
/// was changed. Authenticated encryption cannot tell these apart, and the error carries no key,
/// password or plaintext.
/// </summary>
public sealed class KeyBackupAuthenticationException : CryptographicException
{
    public KeyBackupAuthenticationException()
        : base("The key backup did not open: wrong password, another user's backup, or altered data.")
    {
    }

    public KeyBackupAuthenticationException(string message)
        : base(message)
    {
    }

    public KeyBackupAuthenticationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The bytes are not a key backup this code reads (wrong magic, unknown format version, truncated),
/// so nothing was decrypted.
/// </summary>
public sealed class KeyBackupFormatException : CryptographicException
{
    public KeyBackupFormatException()
        : base("Not a readable key backup.")
    {
    }

    public KeyBackupFormatException(string message)
        : base(message)
    {
    }

    public KeyBackupFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
