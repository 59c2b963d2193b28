using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Http;
using SeSPHR.Phr.Sections;

namespace SeSPHR.FhirServer.Features.Resources;

/// <summary>
/// The RESTful interactions of FHIR R4 that a resource type can support. The conditional ones name
/// their resource by a search instead of an id (http.html#cond-update); a CapabilityStatement shows
/// them as flags of the resource, not as interactions.
/// </summary>
public enum FhirInteraction
{
    Read,
    Vread,
    Update,
    Delete,
    HistoryInstance,
    HistoryType,
    Create,
    SearchType,
    Patch,

    /// <summary><c>POST [type]</c> with <c>If-None-Exist</c>.</summary>
    ConditionalCreate,

    /// <summary><c>PUT [type]?[search]</c>.</summary>
    ConditionalUpdate,

    /// <summary><c>DELETE [type]?[search]</c>, one resource at a time.</summary>
    ConditionalDelete,

    /// <summary><c>PATCH [type]?[search]</c>.</summary>
    ConditionalPatch,
}

/// <summary>
/// What the server implements, per resource type. Requests are routed through it and the
/// CapabilityStatement is generated from it, so the two can never disagree.
/// </summary>
public sealed class ResourceRegistry
{
    private readonly Dictionary<string, IReadOnlySet<FhirInteraction>> _types;

    public ResourceRegistry(IReadOnlyDictionary<string, IReadOnlySet<FhirInteraction>> types)
    {
        _types = new Dictionary<string, IReadOnlySet<FhirInteraction>>(types, StringComparer.Ordinal);
    }

    /// <summary>
    /// What this build of the server serves: every type of the section policy, every interaction, but
    /// AuditEvent, which is read only: the audit trail is the server's account of what was accessed,
    /// appended by the server alone (AuditEventTable), and no client, admins included, writes,
    /// changes or deletes it.
    /// </summary>
    public static ResourceRegistry Default { get; } = new(SectionPolicy.SupportedResourceTypes.ToDictionary(
        type => type,
        IReadOnlySet<FhirInteraction> (type) => type == "AuditEvent"
            ? new HashSet<FhirInteraction> { FhirInteraction.Read, FhirInteraction.Vread, FhirInteraction.SearchType, FhirInteraction.HistoryInstance, FhirInteraction.HistoryType }
            : Enum.GetValues<FhirInteraction>().ToHashSet()));

    public IEnumerable<string> ResourceTypes => _types.Keys.Order(StringComparer.Ordinal);

    public IReadOnlySet<FhirInteraction> InteractionsOf(string resourceType) =>
        _types.TryGetValue(resourceType, out var interactions) ? interactions : new HashSet<FhirInteraction>();

    /// <summary>
    /// Refuses a request for a type the server does not know (404) or an interaction the type does
    /// not support here (405).
    /// </summary>
    public void Require(string resourceType, FhirInteraction interaction)
    {
        if (!_types.TryGetValue(resourceType, out var interactions))
        {
            var known = ModelInfo.IsKnownResource(resourceType);
            throw new FhirException(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotSupported,
                known
                    ? $"Resource type {resourceType} is not supported by this server."
                    : $"{resourceType} is not a FHIR R4 resource type.");
        }

        if (!interactions.Contains(interaction))
        {
            throw new FhirException(StatusCodes.Status405MethodNotAllowed, OperationOutcome.IssueType.NotSupported,
                $"The {interaction.ToString().ToLowerInvariant()} interaction is not supported for {resourceType}.");
        }
    }
}
