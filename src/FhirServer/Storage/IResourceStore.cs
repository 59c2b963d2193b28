namespace SeSPHR.FhirServer.Storage;

/// <summary>
/// The storage seam of the FhirServer. Every write is one database transaction: the current
/// version and its history row are committed together or not at all.
/// </summary>
public interface IResourceStore
{
    Task<StoredResource?> ReadAsync(string resourceType, string logicalId, CancellationToken cancellationToken);

    Task CreateAsync(StoredResource resource, CancellationToken cancellationToken);
}
