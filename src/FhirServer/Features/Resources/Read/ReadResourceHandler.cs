using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Features.Resources.Read;

/// <summary>FHIR read (<c>GET [base]/[type]/[id]</c>): the current version, or 404.</summary>
public sealed class ReadResourceHandler(IResourceStore store, ResourceRegistry registry)
{
    public async Task<FhirResult> HandleAsync(string resourceType, string id, CancellationToken cancellationToken)
    {
        registry.Require(resourceType, FhirInteraction.Read);
        if (!ResourceIds.IsValid(id))
        {
            throw new FhirException(StatusCodes.Status400BadRequest, Hl7.Fhir.Model.OperationOutcome.IssueType.Invalid,
                "A resource id is 1 to 64 characters of A-Z, a-z, 0-9, '-' and '.'.");
        }

        var stored = await store.ReadAsync(resourceType, id, cancellationToken) ?? throw FhirException.NotFound(resourceType, id);
        return FhirResult.OfStored(StatusCodes.Status200OK, stored.Json) with
        {
            VersionId = stored.VersionId,
            LastModified = stored.LastUpdated,
        };
    }
}
