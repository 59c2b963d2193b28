using Microsoft.Extensions.Options;
using SeSPHR.FhirServer.Features.Access;
using SeSPHR.FhirServer.Features.Resources.Search;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Features.Resources.Create;

/// <summary>
/// FHIR create (<c>POST [base]/[type]</c>): the server assigns the id and version 1 and stores
/// the resource, its first history entry and its search values in one transaction. With
/// <c>If-None-Exist</c> it is a conditional create: nothing is created when one resource matches.
/// </summary>
public sealed class CreateResourceHandler(
    IResourceStore store,
    ResourceWriter writer,
    FhirSerialization serialization,
    ResourceRegistry registry,
    SearchHandler search,
    ResponseShaper shaper,
    IOptions<FhirServerOptions> options)
{
    public async Task<FhirResult> HandleAsync(HttpRequest request, string resourceType, CancellationToken cancellationToken)
    {
        registry.Require(resourceType, FhirInteraction.Create);
        var format = FhirFormats.ForRequestBody(request);
        var body = await FhirRequest.ReadBodyAsync(request, options.Value, cancellationToken);
        var resource = serialization.ParseResource(body, format, resourceType);
        var baseUrl = FhirRequest.BaseUrl(request, options.Value);

        var condition = request.Headers["If-None-Exist"].ToString();
        if (condition.Length > 0)
        {
            registry.Require(resourceType, FhirInteraction.ConditionalCreate);
            var existing = await search.FindConditionalAsync(resourceType, condition, cancellationToken);
            if (existing is not null)
            {
                // The match is served, so it is disclosed like a read: shaped for the caller and audited.
                return StoredResponses.Written(request, baseUrl, await shaper.ShapeAsync(existing, "read", cancellationToken), StatusCodes.Status200OK);
            }
        }

        var write = writer.Create(resource);
        await store.CommitAsync([write], cancellationToken);
        var served = await shaper.ShapeWrittenAsync(write.Resource, FhirRequest.ReturnPreferenceOf(request), cancellationToken);
        return StoredResponses.Written(request, baseUrl, served, StatusCodes.Status201Created);
    }
}
