using SeSPHR.FhirServer.Features.Access;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Features.Resources.Read;

/// <summary>FHIR read and vread: the current version (410 once deleted) or a given version.</summary>
public sealed class ReadResourceHandler(IResourceStore store, ResourceRegistry registry, DisclosurePolicy disclosure, ResponseShaper shaper)
{
    public async Task<FhirResult> ReadAsync(string resourceType, string id, CancellationToken cancellationToken)
    {
        registry.Require(resourceType, FhirInteraction.Read);
        ResourceIds.Require(id);
        var stored = await store.ReadAsync(resourceType, id, cancellationToken);
        if (stored is null || !await disclosure.MayDiscloseAsync(stored, cancellationToken))
        {
            throw FhirException.NotFound(resourceType, id);
        }

        return stored.IsDeleted ? throw StoredResponses.Gone(resourceType, id) : StoredResponses.Read(await shaper.ShapeAsync(stored, "read", cancellationToken));
    }

    public async Task<FhirResult> ReadVersionAsync(string resourceType, string id, string versionText, CancellationToken cancellationToken)
    {
        registry.Require(resourceType, FhirInteraction.Vread);
        ResourceIds.Require(id);
        if (!long.TryParse(versionText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var versionId))
        {
            throw FhirException.NotFound(resourceType, $"{id}/_history/{versionText}");
        }

        var version = await store.ReadVersionAsync(resourceType, id, versionId, cancellationToken);
        if (version is null || !await disclosure.MayDiscloseAsync(version, cancellationToken))
        {
            throw FhirException.NotFound(resourceType, $"{id}/_history/{versionId}");
        }

        return version.IsDeleted
            ? throw StoredResponses.Gone(resourceType, $"{id}/_history/{versionId}")
            : StoredResponses.Read(await shaper.ShapeAsync(version, "vread", cancellationToken));
    }
}
