using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;
using SeSPHR.FhirServer.Features.Access;
using SeSPHR.FhirServer.Features.Resources.Search;
using SeSPHR.FhirServer.Search;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Features.Resources.Update;

/// <summary>
/// FHIR update (<c>PUT [base]/[type]/[id]</c>), with create-on-update for a new client-chosen id
/// (201) and optimistic locking through <c>If-Match</c> (412 on a stale version); and conditional
/// update (<c>PUT [base]/[type]?[search]</c>), which names the resource by a search.
/// </summary>
public sealed class UpdateResourceHandler(
    IResourceStore store,
    ResourceWriter writer,
    FhirSerialization serialization,
    ResourceRegistry registry,
    SearchHandler search,
    ResponseShaper shaper,
    IOptions<FhirServerOptions> options)
{
    public async Task<FhirResult> HandleAsync(HttpRequest request, string resourceType, string id, CancellationToken cancellationToken)
    {
        registry.Require(resourceType, FhirInteraction.Update);
        ResourceIds.Require(id);
        var resource = await ReadResourceAsync(request, resourceType, cancellationToken);
        if (resource.Id is null)
        {
            throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Required,
                "An update needs the resource's id in the body, equal to the id in the URL.", $"{resourceType}.id");
        }

        if (resource.Id != id)
        {
            throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
                $"The body's id '{resource.Id}' differs from the id in the URL.", $"{resourceType}.id");
        }

        var (write, created) = await writer.UpdateAsync(resource, id, StoredResponses.IfMatchVersion(request), cancellationToken);
        return await CommitAsync(request, write, created, cancellationToken);
    }

    /// <summary>
    /// Conditional update: the one resource the search finds is updated; with none, the resource is
    /// created under the body's id, or a new one; with several, 412. The search sees only what the
    /// caller may read (<see cref="SearchHandler.FindConditionalAsync(SearchQuery, CancellationToken)"/>),
    /// so a withheld resource is never the match: the request then acts as if it did not exist, and
    /// the write guard judges what it writes.
    /// </summary>
    public async Task<FhirResult> HandleConditionalAsync(HttpRequest request, string resourceType, CancellationToken cancellationToken)
    {
        registry.Require(resourceType, FhirInteraction.ConditionalUpdate);
        var condition = search.ParseCondition(resourceType, request.QueryString.Value ?? "");
        var resource = await ReadResourceAsync(request, resourceType, cancellationToken);
        if (resource.Id is { } bodyId)
        {
            ResourceIds.Require(bodyId);
        }

        var match = await search.FindConditionalAsync(condition, cancellationToken);
        var id = ConditionalTargetId(resourceType, match, resource.Id);
        var current = match ?? (resource.Id is null ? null : await store.ReadAsync(resourceType, id, cancellationToken));
        var (write, created) = await writer.UpdateAsync(resource, id, current, StoredResponses.IfMatchVersion(request), cancellationToken);
        return await CommitAsync(request, write, created, cancellationToken);
    }

    /// <summary>
    /// The id a conditional update writes (http.html#cond-update): the one resource its condition
    /// matches, else the id the body brings (update as create), else a new one; a body id that
    /// differs from the match's is refused (400).
    /// </summary>
    public static string ConditionalTargetId(string resourceType, StoredResource? match, string? bodyId)
    {
        if (match is not null && bodyId is not null && bodyId != match.LogicalId)
        {
            throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
                $"The resource's id '{bodyId}' differs from the id of the {resourceType} the condition matches.", $"{resourceType}.id");
        }

        return match?.LogicalId ?? bodyId ?? ResourceWriter.NewId();
    }

    private async Task<Resource> ReadResourceAsync(HttpRequest request, string resourceType, CancellationToken cancellationToken)
    {
        var format = FhirFormats.ForRequestBody(request);
        var body = await FhirRequest.ReadBodyAsync(request, options.Value, cancellationToken);
        return serialization.ParseResource(body, format, resourceType);
    }

    private async Task<FhirResult> CommitAsync(HttpRequest request, ResourceWrite write, bool created, CancellationToken cancellationToken)
    {
        await ConcurrentWrites.CommitAsync(store, [write], cancellationToken);
        var served = await shaper.ShapeWrittenAsync(write.Resource, FhirRequest.ReturnPreferenceOf(request), cancellationToken);
        return StoredResponses.Written(request, FhirRequest.BaseUrl(request, options.Value), served,
            created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }
}
