using Microsoft.AspNetCore.WebUtilities;

namespace SeSPHR.FhirServer.Search;

/// <summary>
/// The <c>self</c>, <c>next</c> and <c>previous</c> links of a keyset-paged Bundle (search,
/// history, $everything): each carries an opaque cursor holding the neighbouring page's edge and
/// the snapshot instant, so following a link later returns the same page.
/// </summary>
public static class PageLinks
{
    public static List<(string Relation, string Url)> Build(
        string url, PageCursor? current, DateTime snapshot, IReadOnlyList<FoundResource> page, bool hasNext, bool hasPrevious)
    {
        var first = page.Count > 0 ? page[0] : null;
        var last = page.Count > 0 ? page[^1] : null;
        var links = new List<(string, string)> { ("self", current is null ? url : WithCursor(url, current)) };
        if (hasNext && last is not null)
        {
            links.Add(("next", WithCursor(url, new PageCursor(snapshot, last.SortKey, last.Id, Backwards: false))));
        }

        if (hasPrevious && first is not null)
        {
            links.Add(("previous", WithCursor(url, new PageCursor(snapshot, first.SortKey, first.Id, Backwards: true))));
        }

        return links;
    }

    public static PageCursor ParseCursor(string value) => SearchRequestParser.DecodeCursor(value);

    private static string WithCursor(string url, PageCursor cursor) =>
        QueryHelpers.AddQueryString(url, "_cursor", SearchRequestParser.EncodeCursor(cursor));
}
