namespace SeSPHR.FhirServer.Storage;

/// <summary>
/// The current version of one resource, keyed by <c>{type}/{id}</c>. Its body is the FHIR JSON
/// exactly as served, <c>meta.versionId</c> and <c>meta.lastUpdated</c> included.
/// </summary>
public sealed class StoredResource
{
    public required string Id { get; init; }
    public required string ResourceType { get; init; }
    public required string LogicalId { get; init; }
    public required long VersionId { get; init; }
    public required DateTimeOffset LastUpdated { get; init; }
    /// <summary>
    /// The FHIR JSON text, kept as text: jsonb would reorder its properties, and what was
    /// acknowledged to a client is served back byte for byte.
    /// </summary>
    public required string Json { get; init; }

    public static string KeyOf(string resourceType, string logicalId) => $"{resourceType}/{logicalId}";
}

/// <summary>
/// One historical version of a resource, keyed by <c>{type}/{id}/_history/{version}</c>; every
/// version ever written is kept, so history and vread never lose anything.
/// </summary>
public sealed class StoredResourceVersion
{
    public required string Id { get; init; }
    public required string ResourceType { get; init; }
    public required string LogicalId { get; init; }
    public required long VersionId { get; init; }
    public required DateTimeOffset LastUpdated { get; init; }
    /// <summary>
    /// The FHIR JSON text, kept as text: jsonb would reorder its properties, and what was
    /// acknowledged to a client is served back byte for byte.
    /// </summary>
    public required string Json { get; init; }

    public static string KeyOf(string resourceType, string logicalId, long versionId) =>
        $"{resourceType}/{logicalId}/_history/{versionId}";
}
