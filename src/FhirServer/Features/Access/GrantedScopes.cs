using SeSPHR.FhirServer.Features.Access.Scopes;

namespace SeSPHR.FhirServer.Features.Access;

/// <summary>
/// The SMART resource scopes of a token (parsed by <see cref="SmartScopes"/>), reduced to what the
/// disclosure policy asks: which resource types the caller may read or write, and whether that comes
/// from a <c>patient/</c> scope (limited to the caller's own record) or a <c>user/</c>/<c>system/</c>
/// scope.
/// </summary>
/// <remarks>
/// Reading counts <c>r</c> or <c>s</c> alike: search, includes and history all read, and a
/// token that may read a resource by id learns nothing more from finding it by search.
/// </remarks>
internal sealed class GrantedScopes
{
    private static readonly ScopeContext[] AnyContext = [ScopeContext.Patient, ScopeContext.User, ScopeContext.System];
    private static readonly ScopeContext[] BeyondOwnRecord = [ScopeContext.User, ScopeContext.System];

    private readonly SmartScopes _scopes;

    private GrantedScopes(SmartScopes scopes) => _scopes = scopes;

    /// <summary>Everything, everywhere: for the configuration without authentication.</summary>
    public static GrantedScopes All { get; } = Parse(["system/*.cruds"]);

    public static GrantedScopes Parse(IEnumerable<string> scopes) => new(SmartScopes.Parse(string.Join(' ', scopes)));

    /// <summary>Whether any scope lets the caller do <paramref name="interaction"/> (c, r, u, d, s) on the type, in any record.</summary>
    public bool Allows(string resourceType, char interaction) => Allows(AnyContext, resourceType, interaction);

    /// <summary>Whether a <c>user/</c> or <c>system/</c> scope allows it (not limited to the caller's own record).</summary>
    public bool AllowsBeyondOwnRecord(string resourceType, char interaction) => Allows(BeyondOwnRecord, resourceType, interaction);

    /// <summary>Types readable through user/system scopes (or any scope), or null for every type.</summary>
    public IReadOnlyList<string>? ReadableTypes(bool beyondOwnRecord)
    {
        var types = new HashSet<string>(StringComparer.Ordinal);
        foreach (var scope in _scopes.Granted.Where(s => (!beyondOwnRecord || s.Context != ScopeContext.Patient) && (s.Interactions & Reading) != 0))
        {
            if (scope.ResourceType == ResourceScope.AnyType)
            {
                return null;
            }

            types.Add(scope.ResourceType);
        }

        return [.. types];
    }

    private const ScopeInteraction Reading = ScopeInteraction.Read | ScopeInteraction.Search;

    private bool Allows(ScopeContext[] contexts, string resourceType, char interaction)
    {
        var wanted = interaction switch
        {
            'c' => ScopeInteraction.Create,
            'r' or 's' => Reading,
            'u' => ScopeInteraction.Update,
            'd' => ScopeInteraction.Delete,
            _ => throw new ArgumentOutOfRangeException(nameof(interaction), interaction, "One of c, r, u, d, s."),
        };
        return contexts.Any(context => wanted == Reading
            ? _scopes.Allows(context, resourceType, ScopeInteraction.Read) || _scopes.Allows(context, resourceType, ScopeInteraction.Search)
            : _scopes.Allows(context, resourceType, wanted));
    }
}
