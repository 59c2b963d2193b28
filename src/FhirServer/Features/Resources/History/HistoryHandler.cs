using System.Globalization;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using SeSPHR.FhirServer.Features.Access;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Search;

namespace SeSPHR.FhirServer.Features.Resources.History;

/// <summary>
/// FHIR history of an instance, a type or the whole system: every version, newest first, deletes
/// included, with <c>_since</c>, <c>_count</c> and stable paging links.
/// </summary>
public sealed class HistoryHandler(ResourceQueries queries, ResourceRegistry registry, ResponseShaper shaper, IOptions<FhirServerOptions> options)
{
    public async Task<FhirResult> HandleAsync(HttpRequest request, string? resourceType, string? id, CancellationToken cancellationToken)
    {
        if (resourceType is not null)
        {
            registry.Require(resourceType, id is null ? FhirInteraction.HistoryType : FhirInteraction.HistoryInstance);
        }

        if (id is not null)
        {
            ResourceIds.Require(id);
        }

        var count = SearchLimits.DefaultCount;
        DateTime? since = null;
        PageCursor? cursor = null;
        var linkParameters = new List<KeyValuePair<string, string?>>();
        foreach (var (name, values) in request.Query)
        {
            var value = values.ToString();
            switch (name)
            {
                case "_count":
                    count = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var c)
                        ? Math.Clamp(c, 1, SearchLimits.MaxCount)
                        : throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, "_count must be a positive integer.", "_count");
                    linkParameters.Add(new(name, value));
                    break;
                case "_since":
                    since = DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant)
                        ? instant.UtcDateTime
                        : throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, "_since must be an instant.", "_since");
                    linkParameters.Add(new(name, value));
                    break;
                case "_cursor":
                    cursor = PageLinks.ParseCursor(value);
                    break;
                case "_format" or "_pretty":
                    break;
                default:
                    throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.NotSupported,
                        $"History does not support the parameter '{name}'.", name);
            }
        }

        var page = await queries.HistoryAsync(resourceType, id, since, count, cursor, cancellationToken);
        var baseUrl = FhirRequest.BaseUrl(request, options.Value);
        var url = QueryHelpers.AddQueryString(
            $"{baseUrl}{(resourceType is null ? "" : "/" + resourceType)}{(id is null ? "" : "/" + id)}/_history", linkParameters);
        var links = PageLinks.Build(url, cursor, page.Snapshot, page.Matches, page.HasNext, page.HasPrevious);
        using var bundle = new BundleWriter("history", null, links);
        var shaped = await shaper.ShapeAsync(page.Matches.Select(m => m.ToDisclosed()).ToList(), "history", cancellationToken);
        for (var index = 0; index < page.Matches.Count; index++)
        {
            var version = page.Matches[index];
            var method = version.IsDeleted ? "DELETE" : version.VersionId == 1 ? "POST" : "PUT";
            var resourceUrl = $"{version.ResourceType}/{version.LogicalId}";
            bundle.AddEntry(
                $"{baseUrl}/{resourceUrl}",
                version.IsDeleted ? null : shaped[index],
                request: (method, method == "POST" ? version.ResourceType : resourceUrl),
                response: (version.IsDeleted ? "204" : method == "POST" ? "201" : "200",
                    $"{baseUrl}/{resourceUrl}/_history/{version.VersionId.ToString(CultureInfo.InvariantCulture)}",
                    $"W/\"{version.VersionId.ToString(CultureInfo.InvariantCulture)}\"",
                    version.LastUpdated));
        }

        return FhirResult.OfStored(StatusCodes.Status200OK, bundle.Finish());
    }
}
