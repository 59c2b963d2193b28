using System.Security.Cryptography;
using SeSPHR.Crypto.Passwords;

namespace SeSPHR.Srs.Features.Accounts;

/// <summary>
/// Stores the authentication secret only as an Argon2id hash (libsodium through Geralt, its own
/// random salt inside the PHC string). The secret is already the output of the client's 64 MiB
/// Argon2id stretch, so the server's cost is moderate (19 MiB, 2 passes: OWASP's floor): it keeps a
/// stolen table from serving as login credentials without costing each login a large stretch.
/// libsodium's verification compares in constant time.
/// </summary>
public sealed class AuthSecretHasher
{
    private const int MemoryBytes = 19 * 1024 * 1024;
    private const int Iterations = 2;

    // libsodium's crypto_pwhash_STRBYTES: the encoded PHC string with its padding.
    private const int EncodedSize = 128;

    // A hash of a random value nobody knows: unknown users are verified against it, so a login for
    // an unknown name costs the same time as one with a wrong secret.
    private readonly string _decoy = Hash(RandomNumberGenerator.GetBytes(PasswordMasterKey.AuthenticationSecretSize));

    public static string Hash(ReadOnlySpan<byte> authSecret)
    {
        Span<char> encoded = stackalloc char[EncodedSize];
        Geralt.Argon2id.ComputeHash(encoded, authSecret, Iterations, MemoryBytes);
        return new string(encoded).TrimEnd('\0');
    }

    public static bool Verify(string hash, ReadOnlySpan<byte> authSecret) => Geralt.Argon2id.VerifyHash(hash, authSecret);

    /// <summary>Spends the time of one verification and fails: the path for unknown users.</summary>
    public bool VerifyDecoy(ReadOnlySpan<byte> authSecret)
    {
        Geralt.Argon2id.VerifyHash(_decoy, authSecret);
        return false;
    }
}
