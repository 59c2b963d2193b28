using System.Text;
using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Features.Access;
using SeSPHR.FhirServer.Features.Operations.Validate;
using SeSPHR.FhirServer.Features.Resources.Protection;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Search;
using SeSPHR.FhirServer.Storage;
using SeSPHR.Phr.Sections;

namespace SeSPHR.FhirServer.Features.Resources;

/// <summary>
/// Turns a parsed resource into a write: assigns the id and the next version, stamps
/// <c>meta</c>, files it under its patient and section, and extracts its search values. Used by
/// every write path (create, update, delete, Bundle entries), so they all follow the same rules.
/// </summary>
public sealed class ResourceWriter(IResourceStore store, SearchIndexer indexer, FhirSerialization serialization, TimeProvider clock, WriteValidation validation, ProtectedSectionGuard guard)
{
    public ResourceWrite Create(Resource resource) => Create(resource, NewId());

    /// <summary>A create with an id chosen beforehand (transaction Bundles resolve references to it first).</summary>
    public ResourceWrite Create(Resource resource, string id)
    {
        if (guard.IsSealed(resource))
        {
            throw new FhirException(StatusCodes.Status422UnprocessableEntity, OperationOutcome.IssueType.Security,
                "A resource with sealed sections is written with PUT and its own id: the envelopes are bound to that id.");
        }

        return Stamp(resource, id, 1, replacesExisting: false);
    }

    public static string NewId() => Guid.CreateVersion7().ToString();

    /// <summary>Update, or create-on-update when the id is new (how clients write with their own ids).</summary>
    public async Task<(ResourceWrite Write, bool Created)> UpdateAsync(Resource resource, string id, long? expectedVersion, CancellationToken cancellationToken)
    {
        var current = await store.ReadAsync(resource.TypeName, id, cancellationToken);
        return Update(resource, id, current, expectedVersion);
    }

    /// <summary>As <see cref="UpdateAsync"/>, given the current version read beforehand (null when there is none).</summary>
    public (ResourceWrite Write, bool Created) Update(Resource resource, string id, StoredResource? current, long? expectedVersion)
    {
        if (expectedVersion is { } expected && (current is null || current.IsDeleted || current.VersionId != expected))
        {
            throw new FhirException(StatusCodes.Status412PreconditionFailed, OperationOutcome.IssueType.Conflict,
                $"{resource.TypeName}/{id} is not at version {expected} (If-Match).");
        }

        var write = Stamp(resource, id, (current?.VersionId ?? 0) + 1, replacesExisting: current is not null, previousJson: current?.Json);
        return (write, current is null || current.IsDeleted);
    }

    /// <summary>A tombstone version of the current version read beforehand, or null when there is nothing (left) to delete.</summary>
    public ResourceWrite? Delete(string resourceType, string id, StoredResource? current)
    {
        if (current is null || current.IsDeleted)
        {
            return null;
        }

        var tombstone = new StoredResource
        {
            Id = current.Id,
            ResourceType = resourceType,
            LogicalId = id,
            VersionId = current.VersionId + 1,
            LastUpdated = new DateTimeOffset(Now(), TimeSpan.Zero),
            IsDeleted = true,
            Patient = current.Patient,
            Section = current.Section,
        };
        return new ResourceWrite(tombstone, new SearchIndex(), ReplacesExisting: true);
    }

    private ResourceWrite Stamp(Resource resource, string id, long version, bool replacesExisting, string? previousJson = null)
    {
        PostgresText.Require(resource);
        validation.Check(resource);
        var now = Now();
        resource.Id = id;
        guard.Check(resource, previousJson);
        resource.Meta ??= new Meta();
        resource.Meta.VersionId = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        resource.Meta.LastUpdated = new DateTimeOffset(now, TimeSpan.Zero);

        var policy = SectionPolicy.IsSupported(resource.TypeName) ? SectionPolicy.For(resource.TypeName) : null;
        var stored = new StoredResource
        {
            Id = StoredResource.KeyOf(resource.TypeName, id),
            ResourceType = resource.TypeName,
            LogicalId = id,
            VersionId = version,
            LastUpdated = new DateTimeOffset(now, TimeSpan.Zero),
            Json = Encoding.UTF8.GetString(serialization.SerializeToJsonUtf8(resource)),
            Patient = PatientOf(resource, policy),
            Section = policy?.SectionOf(resource)?.ToCode(),
        };
        var index = indexer.Extract(resource);
        if (resource is Consent consent)
        {
            ConsentGranteeIndex.AddTo(index, consent);
        }

        return new ResourceWrite(stored, index, replacesExisting);
    }

    /// <summary>The patient whose record holds the resource: the compartment used for access and $everything.</summary>
    private static string? PatientOf(Resource resource, ResourcePolicy? policy)
    {
        if (resource is Patient)
        {
            return $"Patient/{resource.Id}";
        }

        var element = policy?.PatientElement ?? (resource is Consent ? "patient" : null);
        if (element is null)
        {
            return null;
        }

        // The patient element is one element name of the resource (subject, patient, beneficiary):
        // asked of the POCO directly, not through the FHIRPath engine's shared expression cache.
        var reference = resource.TryGetValue(element, out var value)
            ? value as ResourceReference ?? (value as System.Collections.IEnumerable)?.OfType<ResourceReference>().FirstOrDefault()
            : null;
        return reference?.Reference is { } literal && ReferenceTarget.TryParse(literal, out var target) && target.Type == "Patient"
            ? target.ToString()
            : null;
    }

    /// <summary>The instant a write stamped now gets: UTC, to the millisecond.</summary>
    public DateTime Now()
    {
        var ticks = clock.GetUtcNow().UtcTicks;
        return new DateTime(ticks - (ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
    }
}
