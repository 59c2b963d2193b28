namespace SeSPHR.FhirServer.Storage;

/// <summary>
/// The current version of one resource, keyed by <c>{type}/{id}</c>. A deleted resource keeps
/// its row as a tombstone (no body), so a read answers 410 and the next write continues the
/// version sequence.
/// </summary>
public sealed class StoredResource
{
    public required string Id { get; init; }
    public required string ResourceType { get; init; }
    public required string LogicalId { get; init; }
    public required long VersionId { get; init; }
    public required DateTimeOffset LastUpdated { get; init; }
    public bool IsDeleted { get; init; }

    /// <summary>
    /// The FHIR JSON text as served, kept as text: jsonb would reorder its properties, and what was
    /// acknowledged to a client is served back byte for byte. Null for a tombstone.
    /// </summary>
    public string? Json { get; init; }

    /// <summary>The patient whose record holds the resource (<c>Patient/x</c>), for compartments and access filtering.</summary>
    public string? Patient { get; init; }

    /// <summary>The protected section of the resource (<c>vitals</c>, ...), for access filtering; null when it has none.</summary>
    public string? Section { get; init; }

    public static string KeyOf(string resourceType, string logicalId) => $"{resourceType}/{logicalId}";

    /// <summary>The same version with the body as the disclosure policy shaped it for the caller.</summary>
    public StoredResource WithJson(string? json) => new()
    {
        Id = Id,
        ResourceType = ResourceType,
        LogicalId = LogicalId,
        VersionId = VersionId,
        LastUpdated = LastUpdated,
        IsDeleted = IsDeleted,
        Json = json,
        Patient = Patient,
        Section = Section,
    };

    public StoredResourceVersion ToVersion() => new()
    {
        Id = StoredResourceVersion.KeyOf(ResourceType, LogicalId, VersionId),
        ResourceType = ResourceType,
        LogicalId = LogicalId,
        VersionId = VersionId,
        LastUpdated = LastUpdated,
        IsDeleted = IsDeleted,
        Json = Json,
        Patient = Patient,
        Section = Section,
    };
}

/// <summary>
/// One version of a resource, keyed by <c>{type}/{id}/_history/{version}</c>. Every version ever
/// written is kept; the key doubles as the optimistic-concurrency guard, since two writers that
/// both read version n collide on inserting version n+1.
/// </summary>
public sealed class StoredResourceVersion
{
    public required string Id { get; init; }
    public required string ResourceType { get; init; }
    public required string LogicalId { get; init; }
    public required long VersionId { get; init; }
    public required DateTimeOffset LastUpdated { get; init; }
    public bool IsDeleted { get; init; }
    public string? Json { get; init; }
    public string? Patient { get; init; }
    public string? Section { get; init; }

    public StoredResourceVersion WithJson(string? json) => new()
    {
        Id = Id,
        ResourceType = ResourceType,
        LogicalId = LogicalId,
        VersionId = VersionId,
        LastUpdated = LastUpdated,
        IsDeleted = IsDeleted,
        Json = json,
        Patient = Patient,
        Section = Section,
    };

    public static string KeyOf(string resourceType, string logicalId, long versionId) =>
        $"{resourceType}/{logicalId}/_history/{versionId}";
}
