namespace SeSPHR.Client.Fhir;

/// <summary>
/// Where a request goes on the FHIR base: the path segments after the base (<c>[type]</c>,
/// <c>[type]/[id]</c>, <c>[type]/_search</c>, ...) and the query. Requests outside the base have no route.
/// </summary>
public sealed record FhirRoute(IReadOnlyList<string> Segments, string Query)
{
    public string? ResourceType => Segments.Count > 0 && !IsSpecial(Segments[0]) ? Segments[0] : null;

    /// <summary><c>POST [type]</c>: a create.</summary>
    public bool IsTypeLevel => Segments.Count == 1 && ResourceType is not null;

    /// <summary><c>[type]/[id]</c>: a read, update, patch or delete of one resource.</summary>
    public bool IsInstanceLevel => Segments.Count == 2 && ResourceType is not null && !IsSpecial(Segments[1]);

    /// <summary>The base itself: where transaction and batch Bundles are posted.</summary>
    public bool IsSystemLevel => Segments.Count == 0;

    public string? Id => IsInstanceLevel ? Segments[1] : null;

    public static FhirRoute? Of(Uri fhirBase, Uri? requestUri)
    {
        ArgumentNullException.ThrowIfNull(fhirBase);
        if (requestUri is null)
        {
            return null;
        }

        var absolute = requestUri.IsAbsoluteUri ? requestUri : new Uri(fhirBase, requestUri);
        var basePath = fhirBase.AbsolutePath.TrimEnd('/') + "/";
        var path = absolute.AbsolutePath.TrimEnd('/') + "/";
        if (!string.Equals(absolute.GetLeftPart(UriPartial.Authority), fhirBase.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase)
            || !path.StartsWith(basePath, StringComparison.Ordinal))
        {
            return null;
        }

        var segments = path[basePath.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToList();
        return new FhirRoute(segments, absolute.Query);
    }

    // _search, _history and operations are not ids or types.
    private static bool IsSpecial(string segment) => segment.StartsWith('_') || segment.StartsWith('$');
}
