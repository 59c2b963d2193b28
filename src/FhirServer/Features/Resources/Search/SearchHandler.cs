using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.Extensions.Options;
using SeSPHR.FhirServer.Features.Access;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Search;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Features.Resources.Search;

/// <summary>
/// FHIR search (<c>GET [base]/[type]?...</c> and <c>POST [base]/[type]/_search</c>): a searchset
/// Bundle with the matches of one page, their includes, <c>self</c>/<c>next</c>/<c>previous</c>
/// links and, unless <c>_total=none</c>, the total.
/// </summary>
public sealed class SearchHandler(
    SearchRequestParser parser,
    ResourceQueries queries,
    ResourceRegistry registry,
    IResourceStore store,
    FhirSerialization serialization,
    ResponseShaper shaper,
    IOptions<FhirServerOptions> options)
{
    public async Task<FhirResult> HandleAsync(HttpRequest request, string resourceType, CancellationToken cancellationToken)
    {
        registry.Require(resourceType, FhirInteraction.SearchType);
        var parameters = request.Query.SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string>(q.Key, v ?? ""))).ToList();
        if (HttpMethods.IsPost(request.Method) && request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(cancellationToken);
            parameters.AddRange(form.SelectMany(f => f.Value.Select(v => new KeyValuePair<string, string>(f.Key, v ?? ""))));
        }

        var query = parser.Parse(resourceType, parameters, IsStrict(request));
        var baseUrl = FhirRequest.BaseUrl(request, options.Value);
        var json = await SearchBundleAsync(query, baseUrl, cancellationToken);
        return FhirResult.OfStored(StatusCodes.Status200OK, json);
    }

    /// <summary>
    /// The search of a conditional interaction (<c>?identifier=x</c>, with or without the <c>?</c>):
    /// parsed strictly, and refused (400) when it names no search parameter, which would match every
    /// resource of the type.
    /// </summary>
    public SearchQuery ParseCondition(string resourceType, string condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var parameters = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(condition.TrimStart('?'))
            .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string>(q.Key, v ?? "")));
        var query = parser.Parse(resourceType, parameters, strict: true);
        return query.Conditions.Count > 0
            ? query
            : throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
                $"A condition names {resourceType} resources by search parameters, and this one has none.");
    }

    /// <summary>The one resource a conditional interaction names, null for none; 412 when several match.</summary>
    public Task<StoredResource?> FindConditionalAsync(string resourceType, string condition, CancellationToken cancellationToken) =>
        FindConditionalAsync(ParseCondition(resourceType, condition), cancellationToken);

    /// <summary>
    /// As <see cref="FindConditionalAsync(string, string, CancellationToken)"/> for a parsed condition.
    /// Like every search it sees only what the caller may read: a resource withheld from the caller
    /// is no match, and never makes a condition ambiguous.
    /// </summary>
    public async Task<StoredResource?> FindConditionalAsync(SearchQuery condition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        condition.Count = 2;
        condition.Total = TotalMode.None;
        condition.Summary = SummaryMode.None;
        condition.Cursor = null;
        var page = await queries.SearchAsync(condition, cancellationToken);
        return page.Matches.Count switch
        {
            0 => null,
            1 => await store.ReadAsync(condition.ResourceType, page.Matches[0].LogicalId, cancellationToken),
            _ => throw new FhirException(StatusCodes.Status412PreconditionFailed, OperationOutcome.IssueType.MultipleMatches,
                $"The condition matches more than one {condition.ResourceType}."),
        };
    }

    public async Task<string> SearchBundleAsync(SearchQuery query, string baseUrl, CancellationToken cancellationToken)
    {
        var page = await queries.SearchAsync(query, cancellationToken);
        await shaper.AuditCountAsync(page.CountedRecords, cancellationToken);
        var included = new List<FoundResource>();
        if (page.Matches.Count > 0)
        {
            foreach (var include in query.Includes)
            {
                included.AddRange(await queries.IncludeAsync(include, page.Matches, cancellationToken));
            }

            foreach (var include in query.RevIncludes)
            {
                included.AddRange(await queries.RevIncludeAsync(include, page.Matches, cancellationToken));
            }
        }

        var matchIds = page.Matches.Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
        included = included.Where(i => !matchIds.Contains(i.Id)).DistinctBy(i => i.Id).ToList();

        var url = Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(
            $"{baseUrl}/{query.ResourceType}", query.LinkParameters.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)));
        var links = PageLinks.Build(url, query.Cursor, page.Snapshot, page.Matches, page.HasNext, page.HasPrevious);
        using var bundle = new BundleWriter("searchset", page.Total, links);
        // One shaping for the whole page, matches and includes: one re-encryption call, one audit.
        var shaped = await shaper.ShapeAsync(page.Matches.Concat(included).Select(f => f.ToDisclosed()).ToList(), "search", cancellationToken);
        for (var index = 0; index < page.Matches.Count; index++)
        {
            var match = page.Matches[index];
            bundle.AddEntry($"{baseUrl}/{match.ResourceType}/{match.LogicalId}", Shape(query, shaped[index]!), "match");
        }

        for (var index = 0; index < included.Count; index++)
        {
            var include = included[index];
            bundle.AddEntry($"{baseUrl}/{include.ResourceType}/{include.LogicalId}", Shape(query, shaped[page.Matches.Count + index]!), "include");
        }

        if (query.Ignored.Count > 0)
        {
            var outcome = new OperationOutcome
            {
                Issue = query.Ignored.Select(message => new OperationOutcome.IssueComponent
                {
                    Severity = OperationOutcome.IssueSeverity.Warning,
                    Code = OperationOutcome.IssueType.NotSupported,
                    Diagnostics = message,
                }).ToList(),
            };
            bundle.AddEntry(null, System.Text.Encoding.UTF8.GetString(serialization.SerializeToJsonUtf8(outcome)), "outcome");
        }

        return bundle.Finish();
    }

    /// <summary>Applies _summary and _elements; the resource is then marked SUBSETTED.</summary>
    private string Shape(SearchQuery query, string json)
    {
        Func<SerializationFilter>? filter = query.Summary switch
        {
            SummaryMode.True => SerializationFilter.ForSummary,
            SummaryMode.Text => SerializationFilter.ForText,
            SummaryMode.Data => SerializationFilter.ForData,
            // id and meta always stay: a subset must still say what it is and that it is one.
            _ => query.Elements is { Count: > 0 } elements ? SerializationFilter.ForElementsFactory(elements.Union(["id", "meta"]).ToArray()) : null,
        };
        if (filter is null)
        {
            return json;
        }

        var resource = serialization.ParseStored(json);
        resource.Meta ??= new Meta();
        resource.Meta.Tag.Add(new Coding("http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "SUBSETTED"));
        return serialization.SerializeToJson(resource, filter);
    }

    private static bool IsStrict(HttpRequest request) =>
        request.Headers["Prefer"].Any(value => value?.Replace(" ", "", StringComparison.Ordinal)
            .Contains("handling=strict", StringComparison.OrdinalIgnoreCase) == true);
}
