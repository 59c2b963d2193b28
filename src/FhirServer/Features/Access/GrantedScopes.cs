namespace SeSPHR.FhirServer.Features.Access;

/// <summary>
/// The SMART resource scopes of a token, reduced to what the disclosure policy needs: which resource
/// types the caller may read or write, and whether that comes from a <c>patient/</c> scope (limited to
/// the caller's own record) or a <c>user/</c>/<c>system/</c> scope. Accepts v2
/// (<c>patient/Observation.rs</c>, <c>user/*.cruds</c>) and v1 (<c>.read</c>, <c>.write</c>, <c>.*</c>).
/// </summary>
/// <remarks>
/// TODO(lead): replace with <c>SmartScopes</c> (Features/Access/Scopes, branch fhir-srs-audit) once
/// merged; this is the minimal private check the access branch needed to run. Reading counts
/// <c>r</c> or <c>s</c> alike (search, includes and history all read).
/// </remarks>
internal sealed class GrantedScopes
{
    private readonly List<(string Context, string Type, string Permissions)> _grants = [];

    private GrantedScopes()
    {
    }

    /// <summary>Everything, everywhere: for the configuration without authentication.</summary>
    public static GrantedScopes All { get; } = Parse(["system/*.cruds"]);

    public static GrantedScopes Parse(IEnumerable<string> scopes)
    {
        var parsed = new GrantedScopes();
        foreach (var scope in scopes)
        {
            var slash = scope.IndexOf('/', StringComparison.Ordinal);
            var dot = scope.LastIndexOf('.');
            if (slash <= 0 || dot <= slash + 1)
            {
                continue;
            }

            var context = scope[..slash];
            var type = scope[(slash + 1)..dot];
            var permissions = scope[(dot + 1)..] switch
            {
                "read" => "rs",
                "write" => "cud",
                "*" => "cruds",
                var v2 when v2.Length > 0 && v2.All(c => "cruds".Contains(c, StringComparison.Ordinal)) => v2,
                _ => null,
            };
            if (context is "patient" or "user" or "system" && permissions is not null
                && (type == "*" || (char.IsAsciiLetterUpper(type[0]) && type.All(char.IsAsciiLetter))))
            {
                parsed._grants.Add((context, type, permissions));
            }
        }

        return parsed;
    }

    /// <summary>Whether any scope lets the caller do <paramref name="interaction"/> (c, r, u, d, s) on the type, in any record.</summary>
    public bool Allows(string resourceType, char interaction) =>
        _grants.Any(g => Covers(g, resourceType, interaction));

    /// <summary>Whether a <c>user/</c> or <c>system/</c> scope allows it (not limited to the caller's own record).</summary>
    public bool AllowsBeyondOwnRecord(string resourceType, char interaction) =>
        _grants.Any(g => g.Context != "patient" && Covers(g, resourceType, interaction));

    /// <summary>Types readable through user/system scopes, or null for every type.</summary>
    public IReadOnlyList<string>? ReadableTypes(bool beyondOwnRecord)
    {
        var grants = _grants.Where(g => (!beyondOwnRecord || g.Context != "patient") && (g.Permissions.Contains('r') || g.Permissions.Contains('s'))).ToList();
        return grants.Any(g => g.Type == "*") ? null : grants.Select(g => g.Type).Distinct(StringComparer.Ordinal).ToList();
    }

    private static bool Covers((string Context, string Type, string Permissions) grant, string resourceType, char interaction) =>
        (grant.Type == "*" || grant.Type == resourceType)
        && (interaction == 'r' || interaction == 's'
            ? grant.Permissions.Contains('r') || grant.Permissions.Contains('s')
            : grant.Permissions.Contains(interaction));
}
