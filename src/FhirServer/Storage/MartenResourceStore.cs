using Marten;

namespace SeSPHR.FhirServer.Storage;

/// <summary>Stores resources as Marten documents in the FhirServer's own database.</summary>
public sealed class MartenResourceStore(IDocumentStore store) : IResourceStore
{
    public async Task<StoredResource?> ReadAsync(string resourceType, string logicalId, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<StoredResource>(StoredResource.KeyOf(resourceType, logicalId), cancellationToken);
    }

    public async Task CreateAsync(StoredResource resource, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        // Insert (not Store): a create must never overwrite an existing row, even on an id clash.
        session.Insert(resource);
        session.Insert(new StoredResourceVersion
        {
            Id = StoredResourceVersion.KeyOf(resource.ResourceType, resource.LogicalId, resource.VersionId),
            ResourceType = resource.ResourceType,
            LogicalId = resource.LogicalId,
            VersionId = resource.VersionId,
            LastUpdated = resource.LastUpdated,
            Json = resource.Json,
        });
        await session.SaveChangesAsync(cancellationToken);
    }
}
