using System.Globalization;
using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Http;

namespace SeSPHR.FhirServer.Features.Bundles;

/// <summary>
/// The identities the entries of a Bundle get before anything is written, and the rewriting of
/// references between entries to them (http.html#trules): every <c>Reference.reference</c> that
/// names an entry's fullUrl (a <c>urn:uuid:</c>, an absolute URL, or a relative reference read
/// against the referring entry's absolute fullUrl) becomes that entry's <c>Type/id</c>, and so do
/// uri, url, oid and uuid elements equal to a fullUrl. References into contained resources
/// (<c>#id</c>) stay as they are; contained resources' own references are rewritten too.
/// </summary>
public sealed class EntryReferences
{
    private readonly Dictionary<string, string> _byFullUrl = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _unsettled = new(StringComparer.Ordinal);

    /// <summary>Records that the entry with <paramref name="fullUrl"/> is stored as <paramref name="target"/> (<c>Type/id</c>).</summary>
    public void Add(string fullUrl, string target)
    {
        _byFullUrl[fullUrl] = target;
        _unsettled.Remove(fullUrl);
    }

    /// <summary>
    /// Records that the entry with <paramref name="fullUrl"/> (a conditional create) has no identity
    /// yet: a reference to it is refused until <see cref="Add"/> gives it one, rather than left as
    /// it is as if it named no entry.
    /// </summary>
    public void AddUnsettled(string fullUrl, int entryIndex) => _unsettled[fullUrl] = entryIndex;

    /// <summary>
    /// Rewrites the references of <paramref name="resource"/>. Conditional references
    /// (<c>Type?query</c>) go to <paramref name="resolveConditional"/>, which returns <c>Type/id</c>
    /// or refuses; a <c>urn:uuid:</c> or <c>urn:oid:</c> reference that names no entry is refused (400).
    /// </summary>
    public async System.Threading.Tasks.Task RewriteAsync(
        Resource resource,
        string? referringFullUrl,
        Func<string, string, Task<string>> resolveConditional)
    {
        var references = new List<ResourceReference>();
        var uris = new List<PrimitiveType>();
        Collect(resource, references, uris);
        var referringBase = BaseOf(referringFullUrl);
        foreach (var reference in references)
        {
            var value = reference.Reference;
            if (string.IsNullOrEmpty(value) || value[0] == '#')
            {
                continue;
            }

            var absolute = referringBase is not null && IsRelative(value) ? referringBase + value : null;
            RefuseUnsettled(value);
            RefuseUnsettled(absolute);
            if (_byFullUrl.TryGetValue(value, out var target) || (absolute is not null && _byFullUrl.TryGetValue(absolute, out target)))
            {
                reference.Reference = target;
            }
            else if (IsUrn(value))
            {
                throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.NotFound,
                    $"The reference {(value.Length <= 80 ? value : value[..80] + "...")} names no entry of this Bundle.");
            }
            else if (ConditionalTarget(value) is var (type, query))
            {
                reference.Reference = await resolveConditional(type, query);
            }
        }

        foreach (var uri in uris)
        {
            RefuseUnsettled(uri.JsonValue as string);
            if (uri.JsonValue is string text && _byFullUrl.TryGetValue(text, out var target))
            {
                uri.JsonValue = target;
            }
        }
    }

    private void RefuseUnsettled(string? fullUrl)
    {
        if (fullUrl is not null && _unsettled.TryGetValue(fullUrl, out var entry))
        {
            throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.NotSupported,
                $"A condition on a reference parameter needs a reference to entry {entry.ToString(CultureInfo.InvariantCulture)} resolved, " +
                "a conditional create whose own condition is settled later; match by other parameters here.");
        }
    }

    /// <summary><c>Type?query</c> as (Type, query); null for any other form of reference.</summary>
    public static (string Type, string Query)? ConditionalTarget(string reference)
    {
        var question = reference.IndexOf('?', StringComparison.Ordinal);
        if (question <= 0 || reference.AsSpan(0, question).ContainsAny('/', ':'))
        {
            return null;
        }

        return (reference[..question], reference[question..]);
    }

    private static bool IsUrn(string value) =>
        value.StartsWith("urn:uuid:", StringComparison.OrdinalIgnoreCase) || value.StartsWith("urn:oid:", StringComparison.OrdinalIgnoreCase);

    private static bool IsRelative(string value) => !value.Contains(':', StringComparison.Ordinal) && value.Contains('/', StringComparison.Ordinal);

    /// <summary><c>http://example.org/fhir/</c> for <c>http://example.org/fhir/Patient/1</c>; null when not an absolute http(s) URL.</summary>
    private static string? BaseOf(string? fullUrl)
    {
        if (fullUrl is null || !(fullUrl.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || fullUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        var last = fullUrl.LastIndexOf('/');
        var typeSlash = last > 0 ? fullUrl.LastIndexOf('/', last - 1) : -1;
        return typeSlash > 0 ? fullUrl[..(typeSlash + 1)] : null;
    }

    private static void Collect(Base node, List<ResourceReference> references, List<PrimitiveType> uris)
    {
        foreach (var (_, value) in node.EnumerateElements())
        {
            if (value is IReadOnlyList<Base> list)
            {
                foreach (var item in list)
                {
                    Visit(item, references, uris);
                }
            }
            else if (value is Base child)
            {
                Visit(child, references, uris);
            }
        }
    }

    private static void Visit(Base value, List<ResourceReference> references, List<PrimitiveType> uris)
    {
        switch (value)
        {
            case Bundle:
                // A Bundle inside a resource has fullUrls of its own.
                return;
            case ResourceReference reference:
                references.Add(reference);
                break;
            case PrimitiveType { TypeName: "uri" or "url" or "oid" or "uuid" } uri:
                uris.Add(uri);
                break;
        }

        Collect(value, references, uris);
    }
}
