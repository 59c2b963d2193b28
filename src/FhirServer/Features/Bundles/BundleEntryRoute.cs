using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Features.Resources;
using SeSPHR.FhirServer.Http;

namespace SeSPHR.FhirServer.Features.Bundles;

/// <summary>What a Bundle entry's <c>request.method</c> and <c>request.url</c> ask for.</summary>
public enum EntryInteraction
{
    Read,
    Vread,
    Search,
    HistoryInstance,
    HistoryType,
    HistorySystem,
    Create,
    Update,
    ConditionalUpdate,
    Delete,
    ConditionalDelete,
    Patch,
    ConditionalPatch,
}

/// <summary>
/// The interaction a Bundle entry requests (http.html#transaction): the same URLs as the REST API,
/// relative to the base or absolute on this server. Operations (<c>$name</c>) are not served
/// inside Bundles.
/// </summary>
public sealed record BundleEntryRoute(EntryInteraction Interaction, string? ResourceType, string? Id, long? Version, string Query)
{
    /// <summary>Writes are processed before reads; DELETE, then POST, then PUT (http.html#trules).</summary>
    public int ProcessingOrder => Interaction switch
    {
        EntryInteraction.Delete or EntryInteraction.ConditionalDelete => 0,
        EntryInteraction.Create => 1,
        EntryInteraction.Update or EntryInteraction.ConditionalUpdate or EntryInteraction.Patch or EntryInteraction.ConditionalPatch => 2,
        _ => 3,
    };

    public bool IsWrite => ProcessingOrder < 3;

    /// <summary>Whether the entry names its resource by a search (<c>Type?query</c>) rather than by id.</summary>
    public bool IsConditional => Interaction is EntryInteraction.ConditionalUpdate or EntryInteraction.ConditionalDelete or EntryInteraction.ConditionalPatch;

    /// <summary>The query string as name/value pairs (search, conditional interactions).</summary>
    public IEnumerable<KeyValuePair<string, string>> QueryParameters =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(Query)
            .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string>(q.Key, v ?? "")));

    /// <summary>Parses the request of an entry and checks that this server serves it (404 unknown type, 405 interaction).</summary>
    public static BundleEntryRoute Parse(Bundle.HTTPVerb method, string url, string baseUrl, ResourceRegistry registry)
    {
        var relative = url.Trim();
        if (Uri.TryCreate(relative, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
        {
            relative = relative.StartsWith(baseUrl + "/", StringComparison.OrdinalIgnoreCase)
                ? relative[(baseUrl.Length + 1)..]
                : throw Invalid($"request.url '{PathOf(url)}' is not on this server ({baseUrl}).");
        }

        relative = relative.TrimStart('/');
        var queryStart = relative.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? relative : relative[..queryStart];
        var query = queryStart < 0 ? "" : relative[queryStart..];
        var segments = path.Split('/');
        if (path.Length == 0 || segments.Any(s => s.Length == 0))
        {
            throw Invalid($"request.url '{PathOf(url)}' does not name a resource type.");
        }

        if (segments.Any(s => s.StartsWith('$')))
        {
            throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.NotSupported,
                "Operations ($name) are not supported inside a Bundle.");
        }

        BundleEntryRoute route = (method, segments) switch
        {
            (Bundle.HTTPVerb.GET or Bundle.HTTPVerb.HEAD, ["_history"]) => new(EntryInteraction.HistorySystem, null, null, null, query),
            (Bundle.HTTPVerb.GET or Bundle.HTTPVerb.HEAD, [var type]) => new(EntryInteraction.Search, type, null, null, query),
            (Bundle.HTTPVerb.POST, [var type, "_search"]) => new(EntryInteraction.Search, type, null, null, query),
            (Bundle.HTTPVerb.GET or Bundle.HTTPVerb.HEAD, [var type, "_history"]) => new(EntryInteraction.HistoryType, type, null, null, query),
            (Bundle.HTTPVerb.GET or Bundle.HTTPVerb.HEAD, [var type, var id]) => new(EntryInteraction.Read, type, id, null, query),
            (Bundle.HTTPVerb.GET or Bundle.HTTPVerb.HEAD, [var type, var id, "_history"]) => new(EntryInteraction.HistoryInstance, type, id, null, query),
            (Bundle.HTTPVerb.GET or Bundle.HTTPVerb.HEAD, [var type, var id, "_history", var version]) =>
                new(EntryInteraction.Vread, type, id, ParseVersion(version), query),
            (Bundle.HTTPVerb.POST, [var type]) => new(EntryInteraction.Create, type, null, null, query),
            (Bundle.HTTPVerb.PUT, [var type]) when query.Length > 1 => new(EntryInteraction.ConditionalUpdate, type, null, null, query),
            (Bundle.HTTPVerb.PUT, [var type, var id]) => new(EntryInteraction.Update, type, id, null, query),
            (Bundle.HTTPVerb.DELETE, [var type]) when query.Length > 1 => new(EntryInteraction.ConditionalDelete, type, null, null, query),
            (Bundle.HTTPVerb.DELETE, [var type, var id]) => new(EntryInteraction.Delete, type, id, null, query),
            (Bundle.HTTPVerb.PATCH, [var type, var id]) => new(EntryInteraction.Patch, type, id, null, query),
            (Bundle.HTTPVerb.PATCH, [var type]) when query.Length > 1 => new(EntryInteraction.ConditionalPatch, type, null, null, query),
            _ => throw Invalid($"{method} {PathOf(url)} is not an interaction this server serves in a Bundle."),
        };

        if (route.ResourceType is { } resourceType)
        {
            registry.Require(resourceType, route.Interaction switch
            {
                EntryInteraction.Read => FhirInteraction.Read,
                EntryInteraction.Vread => FhirInteraction.Vread,
                EntryInteraction.Search => FhirInteraction.SearchType,
                EntryInteraction.HistoryInstance => FhirInteraction.HistoryInstance,
                EntryInteraction.HistoryType => FhirInteraction.HistoryType,
                EntryInteraction.Create => FhirInteraction.Create,
                EntryInteraction.Update => FhirInteraction.Update,
                EntryInteraction.ConditionalUpdate => FhirInteraction.ConditionalUpdate,
                EntryInteraction.Patch => FhirInteraction.Patch,
                EntryInteraction.ConditionalPatch => FhirInteraction.ConditionalPatch,
                EntryInteraction.Delete => FhirInteraction.Delete,
                _ => FhirInteraction.ConditionalDelete,
            });
        }

        if (route.Id is { } routeId)
        {
            ResourceIds.Require(routeId);
        }

        return route;
    }

    private static long ParseVersion(string text) =>
        long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version) && version > 0
            ? version
            : throw Invalid("A version id in request.url is a positive integer.");

    private static FhirException Invalid(string diagnostics) =>
        new(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, diagnostics, "request.url");

    /// <summary>Query strings can carry protected values; error texts quote the path only.</summary>
    private static string PathOf(string url)
    {
        var query = url.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? url : url[..query];
        return path.Length <= 100 ? path : path[..100] + "...";
    }
}
