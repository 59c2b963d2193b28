using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Features.Access;
using SeSPHR.FhirServer.Features.Resources.Search;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Features.Resources.Delete;

/// <summary>
/// FHIR delete (<c>DELETE [base]/[type]/[id]</c>): writes a tombstone version, so the history
/// keeps every earlier version and a later read answers 410 Gone. Deleting what is deleted
/// already succeeds too (204), as the interaction is idempotent, unless <c>If-Match</c> names
/// a version: then the current version must be that one (412 otherwise). With the Consent check on,
/// an id with nothing ever stored under it is no resource the caller may delete (403, as for one
/// withheld from it). Conditional delete
/// (<c>DELETE [base]/[type]?[search]</c>) deletes the one resource a search finds, or nothing.
/// </summary>
public sealed class DeleteResourceHandler(IResourceStore store, ResourceWriter writer, ResourceRegistry registry, SearchHandler search)
{
    public async Task<FhirResult> HandleAsync(HttpRequest request, string resourceType, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        registry.Require(resourceType, FhirInteraction.Delete);
        ResourceIds.Require(id);
        var current = await store.ReadAsync(resourceType, id, cancellationToken);
        return await DeleteAsync(request, resourceType, id, current, $"{resourceType}/{id}", cancellationToken);
    }

    /// <summary>
    /// Conditional delete, one resource at a time (http.html#cdelete, "single"): none found is an
    /// ordinary delete of nothing (204), several are 412. The search sees only what the caller may
    /// read, so a withheld resource is never found and never makes the condition ambiguous.
    /// <c>If-Match</c> pins the version of the match (412 when it differs, or nothing matches).
    /// </summary>
    public async Task<FhirResult> HandleConditionalAsync(HttpRequest request, string resourceType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        registry.Require(resourceType, FhirInteraction.ConditionalDelete);
        var match = await search.FindConditionalAsync(resourceType, request.QueryString.Value ?? "", cancellationToken);
        return await DeleteAsync(request, resourceType, match?.LogicalId, match, $"The {resourceType} the condition matches", cancellationToken);
    }

    /// <summary>
    /// Writes the tombstone of <paramref name="current"/>, if there is one to write and <c>If-Match</c>
    /// names its version. The caller is judged first, on the id it named (<paramref name="id"/>), so
    /// that a caller who may not delete there gets one answer whether something is stored under it or
    /// not, and never learns its version; a condition that matches nothing names no id (what it does
    /// not match includes everything withheld) and deletes nothing.
    /// </summary>
    private async Task<FhirResult> DeleteAsync(HttpRequest request, string resourceType, string? id, StoredResource? current, string named, CancellationToken cancellationToken)
    {
        if (id is not null)
        {
            await writer.AuthorizeAsync(resourceType, id, WriteKind.Delete, current, cancellationToken);
        }

        if (StoredResponses.IfMatchVersion(request) is { } expected && (current is null || current.IsDeleted || current.VersionId != expected))
        {
            throw new FhirException(StatusCodes.Status412PreconditionFailed, OperationOutcome.IssueType.Conflict,
                $"{named} is not at version {expected} (If-Match).");
        }

        var tombstone = current is null ? null : writer.Delete(resourceType, current.LogicalId, current);
        if (tombstone is null)
        {
            return FhirResult.Empty(StatusCodes.Status204NoContent);
        }

        await ConcurrentWrites.CommitAsync(store, [tombstone], cancellationToken);
        return FhirResult.Empty(StatusCodes.Status204NoContent) with { VersionId = tombstone.Resource.VersionId };
    }
}
