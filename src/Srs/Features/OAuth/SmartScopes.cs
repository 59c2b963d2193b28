using System.Text.RegularExpressions;

namespace SeSPHR.Srs.Features.OAuth;

/// <summary>
/// The scopes the SRS grants: OpenID/SMART launch scopes, the SRS's own, and SMART resource scopes
/// <c>{patient|user|system}/{Type|*}.{cruds subset}</c> (v1 <c>.read</c>, <c>.write</c>, <c>.*</c> read as
/// <c>rs</c>, <c>cud</c>, <c>cruds</c>). A registered scope covers a requested one of the same context
/// when its type is equal or <c>*</c> and its permissions include the requested ones.
/// The scopes also decide a token's one audience (<see cref="AudienceOf"/>): FHIR scopes make a token
/// for the FhirServer, <c>srs.*</c> scopes a token for the SRS, and no token is ever for both.
/// </summary>
public static partial class SmartScopes
{
    public const string OpenId = "openid";
    public const string FhirUser = "fhirUser";
    public const string OfflineAccess = "offline_access";
    public const string LaunchPatient = "launch/patient";

    /// <summary>Scopes a signed-in user may be granted besides resource scopes.</summary>
    public static readonly IReadOnlySet<string> UserScopes = new HashSet<string>(StringComparer.Ordinal)
    {
        OpenId, FhirUser, OfflineAccess, LaunchPatient, SrsScopes.Account, SrsScopes.Grants,
    };

    public static readonly IReadOnlySet<string> FhirServiceScopes = new HashSet<string>(StringComparer.Ordinal) { SrsScopes.Reencrypt, SrsScopes.Revoke };

    public sealed record ResourceScope(string Context, string Type, string Permissions);

    public static ResourceScope? ParseResource(string scope)
    {
        var match = ResourceShape().Match(scope ?? string.Empty);
        if (!match.Success)
            return null;
        var permissions = match.Groups["p"].Value switch
        {
            "read" => "rs",
            "write" => "cud",
            "*" => "cruds",
            var v2 when v2.Length > 0 => v2,
            _ => null,
        };
        return permissions is null ? null : new ResourceScope(match.Groups["c"].Value, match.Groups["t"].Value, permissions);
    }

    public static bool Covers(string granted, string requested)
    {
        if (string.Equals(granted, requested, StringComparison.Ordinal))
            return true;
        if (ParseResource(granted) is not { } g || ParseResource(requested) is not { } r)
            return false;
        return g.Context == r.Context && (g.Type == "*" || g.Type == r.Type) && r.Permissions.All(g.Permissions.Contains);
    }

    /// <summary>
    /// The one audience a token with <paramref name="scopes"/> is for: <c>sesphr-srs</c> when any scope
    /// is an SRS scope (<c>srs.*</c>), otherwise <c>sesphr-fhir</c> (<c>openid</c> and
    /// <c>offline_access</c> alone go with either); null when FHIR scopes (resource scopes,
    /// <c>fhirUser</c>, <c>launch/patient</c>) and SRS scopes are mixed, which the SRS refuses: a token
    /// the FhirServer sees must open nothing at the SRS.
    /// </summary>
    public static string? AudienceOf(IEnumerable<string> scopes)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        var forSrs = false;
        var forFhir = false;
        foreach (var scope in scopes)
        {
            forSrs |= scope.StartsWith("srs.", StringComparison.Ordinal);
            forFhir |= scope is FhirUser or LaunchPatient || ParseResource(scope) is not null;
        }

        return (forSrs, forFhir) switch
        {
            (true, true) => null,
            (true, false) => OAuthSetup.SrsAudience,
            _ => OAuthSetup.FhirAudience,
        };
    }

    /// <summary>Any scope of a known shape (the SRS refuses the rest with <c>invalid_scope</c>).</summary>
    public static bool IsKnown(string scope) =>
        UserScopes.Contains(scope) || FhirServiceScopes.Contains(scope) || ParseResource(scope) is not null;

    // v2 permissions in the order c r u d s, each at most once; v1 read, write or *.
    [GeneratedRegex(@"^(?<c>patient|user|system)/(?<t>\*|[A-Z][A-Za-z]{1,63})\.(?<p>read|write|\*|c?r?u?d?s?)$")]
    private static partial Regex ResourceShape();
}
