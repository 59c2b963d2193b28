using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Features.Resources.Delete;

/// <summary>
/// FHIR delete (<c>DELETE [base]/[type]/[id]</c>): writes a tombstone version, so the history
/// keeps every earlier version and a later read answers 410 Gone. Deleting what is not there
/// (any more) succeeds too (204), as the interaction is idempotent.
/// </summary>
public sealed class DeleteResourceHandler(IResourceStore store, ResourceWriter writer, ResourceRegistry registry)
{
    public async Task<Http.FhirResult> HandleAsync(string resourceType, string id, CancellationToken cancellationToken)
    {
        registry.Require(resourceType, FhirInteraction.Delete);
        ResourceIds.Require(id);
        var tombstone = await writer.DeleteAsync(resourceType, id, cancellationToken);
        if (tombstone is not null)
        {
            await ConcurrentWrites.CommitAsync(store, [tombstone], cancellationToken);
            return Http.FhirResult.Empty(StatusCodes.Status204NoContent) with { VersionId = tombstone.Resource.VersionId };
        }

        return Http.FhirResult.Empty(StatusCodes.Status204NoContent);
    }
}
