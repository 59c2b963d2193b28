namespace SeSPHR.FhirServer.Storage;

/// <summary>
/// The storage seam of the FhirServer. <see cref="CommitAsync"/> is one database transaction:
/// all writes of a request or of a transaction Bundle, with their history rows and search values,
/// are committed together or not at all.
/// </summary>
public interface IResourceStore
{
    Task<StoredResource?> ReadAsync(string resourceType, string logicalId, CancellationToken cancellationToken);

    /// <summary>
    /// The current versions of several resources in one round trip, by <see cref="StoredResource.KeyOf"/>;
    /// keys with no resource are missing from the result.
    /// </summary>
    Task<IReadOnlyDictionary<string, StoredResource>> ReadManyAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken);

    Task<StoredResourceVersion?> ReadVersionAsync(string resourceType, string logicalId, long versionId, CancellationToken cancellationToken);

    /// <exception cref="ConcurrentWriteException">another writer got there first; nothing was written.</exception>
    Task CommitAsync(IReadOnlyList<ResourceWrite> writes, CancellationToken cancellationToken);
}
