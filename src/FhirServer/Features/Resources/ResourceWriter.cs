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
public sealed class ResourceWriter(
    IResourceStore store,
    SearchIndexer indexer,
    FhirSerialization serialization,
    TimeProvider clock,
    WriteValidation validation,
    ProtectedSectionGuard guard,
    WriteGuard writeGuard)
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

        var write = Stamp(resource, id, 1, replacesExisting: false);
        writeGuard.Stage(write.Resource);
        return write;
    }

    public static string NewId() => Guid.CreateVersion7().ToString();

    /// <summary>Update, or create-on-update when the id is new (how clients write with their own ids).</summary>
    public async Task<(ResourceWrite Write, bool Created)> UpdateAsync(Resource resource, string id, long? expectedVersion, CancellationToken cancellationToken)
    {
        var current = await store.ReadAsync(resource.TypeName, id, cancellationToken);
        return await UpdateAsync(resource, id, current, expectedVersion, cancellationToken);
    }

    /// <summary>
    /// As <see cref="UpdateAsync(Resource, string, long?, CancellationToken)"/>, given the current version read
    /// beforehand (null when there is none). The caller is judged first (<see cref="WriteGuard"/>): a
    /// version precondition and the envelopes an update carries over are compared with what is stored
    /// only for a caller who may write there.
    /// </summary>
    public async Task<(ResourceWrite Write, bool Created)> UpdateAsync(Resource resource, string id, StoredResource? current, long? expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        resource.Id = id;
        var (patient, section) = FilingOf(resource);
        await writeGuard.RequireAsync(resource.TypeName, id, WriteKind.Write, new FiledVersion(patient, section, resource), current, cancellationToken);
        if (expectedVersion is { } expected && (current is null || current.IsDeleted || current.VersionId != expected))
        {
            throw new FhirException(StatusCodes.Status412PreconditionFailed, OperationOutcome.IssueType.Conflict,
                $"{resource.TypeName}/{id} is not at version {expected} (If-Match).");
        }

        var write = Stamp(resource, id, (current?.VersionId ?? 0) + 1, replacesExisting: current is not null, previousJson: current?.Json);
        writeGuard.Stage(write.Resource);
        return (write, current is null || current.IsDeleted);
    }

    /// <summary>
    /// Refuses (403) a delete or a patch of <paramref name="current"/> (null: nothing stored under the
    /// id) by a caller who may not make it, before anything about what is stored is told: its
    /// version, whether it is deleted, or a patch's outcome.
    /// </summary>
    public System.Threading.Tasks.Task AuthorizeAsync(string resourceType, string id, WriteKind kind, StoredResource? current, CancellationToken cancellationToken) =>
        writeGuard.RequireAsync(resourceType, id, kind, next: null, current, cancellationToken);

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

        var (patient, section) = FilingOf(resource);
        var stored = new StoredResource
        {
            Id = StoredResource.KeyOf(resource.TypeName, id),
            ResourceType = resource.TypeName,
            LogicalId = id,
            VersionId = version,
            LastUpdated = new DateTimeOffset(now, TimeSpan.Zero),
            Json = Encoding.UTF8.GetString(serialization.SerializeToJsonUtf8(resource)),
            Patient = patient,
            Section = section,
        };
        var index = indexer.Extract(resource);
        if (resource is Consent consent)
        {
            ConsentGranteeIndex.AddTo(index, consent);
        }

        return new ResourceWrite(stored, index, replacesExisting);
    }

    /// <summary>
    /// The patient whose record holds the resource (the compartment used for access and
    /// $everything) and its section: the protected section, or for a type clear as a whole that names
    /// a patient (Device) the section the policy files it under.
    /// </summary>
    public static (string? Patient, string? Section) FilingOf(Resource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var policy = SectionPolicy.IsSupported(resource.TypeName) ? SectionPolicy.For(resource.TypeName) : null;
        var patient = PatientOf(resource, policy);
        var section = policy?.SectionOf(resource) ?? (patient is null ? null : policy?.RecordSection);
        return (patient, section?.ToCode());
    }

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
