using System.Security.Cryptography;
using System.Text;

namespace SeSPHR.Client.Accounts;

/// <summary>
/// Proof Key for Code Exchange (RFC 7636) with S256: the verifier stays with the client, only its
/// SHA-256 travels with the authorization request, so a stolen authorization code is useless alone.
/// </summary>
public sealed record Pkce(string Verifier, string Challenge)
{
    public const string Method = "S256";

    public static Pkce Create()
    {
        // 32 random bytes: 43 base64url characters, the RFC's minimum verifier length.
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        return new Pkce(verifier, ChallengeOf(verifier));
    }

    /// <summary>RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))).</summary>
    public static string ChallengeOf(string verifier) => Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    public static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
