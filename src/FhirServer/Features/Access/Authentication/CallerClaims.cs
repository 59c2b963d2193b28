using System.Globalization;
using System.Security.Claims;
using SeSPHR.Crypto.Grants;
using SeSPHR.FhirServer.Features.Access.Consents;
using SeSPHR.FhirServer.Features.Resources;

namespace SeSPHR.FhirServer.Features.Access.Authentication;

/// <summary>The caller and its scopes, read from a validated SRS access token (src/Srs/API.md, "Tokens").</summary>
public static class CallerClaims
{
    /// <summary>
    /// The caller a validated token names; null with the reason when a claim is missing or is not in
    /// the form the SRS issues (the token is then refused as a whole: a caller we cannot place gets nothing).
    /// </summary>
    public static (Caller? Caller, IReadOnlyList<string> Scopes, string? Problem) Read(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var subject = principal.FindFirst(SrsClaims.Subject)?.Value;
        if (string.IsNullOrWhiteSpace(subject))
        {
            return (null, [], "The access token names no subject.");
        }

        if (!TryParseRole(principal.FindFirst(SrsClaims.Role)?.Value, out var role))
        {
            return (null, [], "The access token names no SeSPHR role it knows.");
        }

        string? fhirUser = null;
        if (principal.FindFirst(SrsClaims.FhirUser)?.Value is { } claimedUser && !TryRelativeFhirUser(claimedUser, out fhirUser))
        {
            return (null, [], "The access token's fhirUser is not an absolute URL of a FHIR resource.");
        }

        KeyFingerprint? fingerprint = null;
        if (principal.FindFirst(SrsClaims.KeyFingerprint)?.Value is { } key)
        {
            if (!TryParseFingerprint(key, out fingerprint))
            {
                return (null, [], "The access token's key fingerprint is not 64 hexadecimal digits.");
            }
        }

        var scopes = principal.FindAll(SrsClaims.Scope)
            .SelectMany(claim => claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return (new Caller(subject, role, fhirUser, fingerprint), scopes, null);
    }

    /// <summary>The SRS's role codes (src/Srs/API.md), the same codes the Consent role system uses.</summary>
    public static bool TryParseRole(string? value, out UserRole role)
    {
        foreach (var known in Enum.GetValues<UserRole>())
        {
            if (known.ToCode() == value)
            {
                role = known;
                return true;
            }
        }

        role = default;
        return false;
    }

    /// <summary>
    /// <c>{FhirBaseUrl}/Practitioner/doc</c> → <c>Practitioner/doc</c>: the SRS issues absolute URLs,
    /// Consent names actors relatively. Only absolute http(s) URLs whose last two path segments are a
    /// resource type and an id are accepted.
    /// </summary>
    public static bool TryRelativeFhirUser(string claim, out string? relative)
    {
        relative = null;
        if (!Uri.TryCreate(claim, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            return false;
        }

        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length < 2)
        {
            return false;
        }

        var (type, id) = (segments[^2], segments[^1]);
        if (type.Length == 0 || !char.IsAsciiLetterUpper(type[0]) || !type.All(char.IsAsciiLetter) || !ResourceIds.IsValid(id))
        {
            return false;
        }

        relative = $"{type}/{id}";
        return true;
    }

    private static bool TryParseFingerprint(string hex, out KeyFingerprint? fingerprint)
    {
        fingerprint = null;
        if (hex.Length != Crypto.Grants.KeyFingerprint.Size * 2 || !hex.All(char.IsAsciiHexDigit))
        {
            return false;
        }

        var bytes = new byte[Crypto.Grants.KeyFingerprint.Size];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = byte.Parse(hex.AsSpan(i * 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }

        fingerprint = Crypto.Grants.KeyFingerprint.FromBytes(bytes);
        return true;
    }
}
