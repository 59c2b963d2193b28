using System.Text.RegularExpressions;

namespace SeSPHR.FhirServer.Features.Access.Scopes;

/// <summary>Whose data a SMART resource scope speaks of: the launch patient's, the signed-in user's, or a backend system's.</summary>
public enum ScopeContext
{
    Patient,
    User,
    System,
}

/// <summary>What a request does to a resource type, in SMART v2's letters (c, r, u, d, s).</summary>
[Flags]
public enum ScopeInteraction
{
    None = 0,
    Create = 1,
    Read = 2,
    Update = 4,
    Delete = 8,
    Search = 16,
}

/// <summary>One resource scope, as granted: a context, a type (<c>*</c> for all) and the interactions it allows.</summary>
public sealed record ResourceScope(ScopeContext Context, string ResourceType, ScopeInteraction Interactions)
{
    public const string AnyType = "*";

    public bool Covers(ScopeContext context, string resourceType) =>
        Context == context && (ResourceType == AnyType || ResourceType == resourceType);
}

/// <summary>
/// The resource scopes of an access token (SMART App Launch 2.x, v1 forms accepted). A scope can
/// only ever narrow what Consent allows, never widen it, so everything this class does not
/// understand grants nothing: a malformed resource scope, letters out of order, or a v2 granular
/// scope with a query (<c>patient/Observation.rs?category=…</c>), whose restriction this server
/// cannot apply and therefore must not drop. Scopes that are not about resources
/// (<c>openid</c>, <c>fhirUser</c>, <c>launch/patient</c>, <c>srs.*</c>) are ignored here.
/// </summary>
public sealed partial class SmartScopes
{
    private SmartScopes(IReadOnlyList<ResourceScope> granted) => Granted = granted;

    public static SmartScopes None { get; } = new([]);

    /// <summary>The resource scopes understood, in the order given.</summary>
    public IReadOnlyList<ResourceScope> Granted { get; }

    /// <summary>Parses a space-separated OAuth scope string (null or empty grants nothing).</summary>
    public static SmartScopes Parse(string? scope)
    {
        if (string.IsNullOrWhiteSpace(scope))
        {
            return None;
        }

        var granted = new List<ResourceScope>();
        foreach (var token in scope.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (TryParseOne(token) is { } parsed)
            {
                granted.Add(parsed);
            }
        }

        return new SmartScopes(granted);
    }

    /// <summary>One scope token, or null when it is not a resource scope this server grants on.</summary>
    public static ResourceScope? TryParseOne(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var match = ResourceScopePattern().Match(token);
        if (!match.Success)
        {
            return null;
        }

        var context = match.Groups["context"].Value switch
        {
            "patient" => ScopeContext.Patient,
            "user" => ScopeContext.User,
            _ => ScopeContext.System,
        };
        var interactions = match.Groups["permissions"].Value switch
        {
            "read" => ScopeInteraction.Read | ScopeInteraction.Search,
            "write" => ScopeInteraction.Create | ScopeInteraction.Update | ScopeInteraction.Delete,
            "*" => ScopeInteraction.Create | ScopeInteraction.Read | ScopeInteraction.Update | ScopeInteraction.Delete | ScopeInteraction.Search,
            var letters => V2Letters(letters),
        };
        return interactions == ScopeInteraction.None ? null : new ResourceScope(context, match.Groups["type"].Value, interactions);
    }

    /// <summary>Whether some scope allows <paramref name="interaction"/> on <paramref name="resourceType"/> in <paramref name="context"/>.</summary>
    public bool Allows(ScopeContext context, string resourceType, ScopeInteraction interaction)
    {
        ArgumentException.ThrowIfNullOrEmpty(resourceType);
        if (interaction == ScopeInteraction.None)
        {
            return false;
        }

        // Interactions of several scopes add up (patient/Observation.r plus patient/Observation.s
        // is patient/Observation.rs).
        var allowed = ScopeInteraction.None;
        foreach (var scope in Granted)
        {
            if (scope.Covers(context, resourceType))
            {
                allowed |= scope.Interactions;
            }
        }

        return (allowed & interaction) == interaction;
    }

    /// <summary>Whether any scope of the context reads anything at all (the door check before Consent).</summary>
    public bool PermitsAnyRead(ScopeContext context) =>
        Granted.Any(scope => scope.Context == context && (scope.Interactions & (ScopeInteraction.Read | ScopeInteraction.Search)) != 0);

    /// <summary>
    /// The types a search over several types (<c>_type</c>, <c>$everything</c>) may return in a context:
    /// <c>null</c> when a wildcard scope allows searching every type, else the types named with <c>s</c>.
    /// </summary>
    public IReadOnlySet<string>? ReadableTypes(ScopeContext context)
    {
        var types = new HashSet<string>(StringComparer.Ordinal);
        foreach (var scope in Granted.Where(scope => scope.Context == context && (scope.Interactions & ScopeInteraction.Search) != 0))
        {
            if (scope.ResourceType == ResourceScope.AnyType)
            {
                return null;
            }

            types.Add(scope.ResourceType);
        }

        return types;
    }

    public override string ToString() => string.Join(' ', Granted.Select(scope =>
        $"{scope.Context.ToString().ToLowerInvariant()}/{scope.ResourceType}.{Letters(scope.Interactions)}"));

    private static string Letters(ScopeInteraction interactions) =>
        (interactions.HasFlag(ScopeInteraction.Create) ? "c" : "")
        + (interactions.HasFlag(ScopeInteraction.Read) ? "r" : "")
        + (interactions.HasFlag(ScopeInteraction.Update) ? "u" : "")
        + (interactions.HasFlag(ScopeInteraction.Delete) ? "d" : "")
        + (interactions.HasFlag(ScopeInteraction.Search) ? "s" : "");

    // The pattern already holds the letters to c?r?u?d?s? with at least one; this only maps them.
    private static ScopeInteraction V2Letters(string letters)
    {
        var interactions = ScopeInteraction.None;
        foreach (var letter in letters)
        {
            interactions |= letter switch
            {
                'c' => ScopeInteraction.Create,
                'r' => ScopeInteraction.Read,
                'u' => ScopeInteraction.Update,
                'd' => ScopeInteraction.Delete,
                's' => ScopeInteraction.Search,
                _ => ScopeInteraction.None,
            };
        }

        return interactions;
    }

    // A type is a FHIR resource type name (capitalised letters) or *; v2 letters in the order
    // c, r, u, d, s with at least one, or v1's read, write and *. No query part: granular scopes are refused.
    [GeneratedRegex(@"^(?<context>patient|user|system)/(?<type>\*|[A-Z][A-Za-z]{0,63})\.(?<permissions>read|write|\*|(?=[cruds])c?r?u?d?s?)\z", RegexOptions.CultureInvariant)]
    private static partial Regex ResourceScopePattern();
}
