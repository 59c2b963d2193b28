using System.Globalization;
using System.Text;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;
using SeSPHR.FhirServer.Features.Access.Consents;
using SeSPHR.FhirServer.Features.Resources;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Search;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Features.Access.Audit;

/// <summary>
/// Turns an <see cref="AccessRecord"/> into a FHIR R4 AuditEvent in the style of IHE's Basic Audit
/// Log Patterns, and that into a stored resource with its search values, filed under the patient
/// it concerns (so <c>AuditEvent?patient=Patient/x</c> finds it and the patient's compartment holds
/// it). An AuditEvent carries only references, codes, ids and times: what the record holds, never
/// a value of the resource that was accessed.
/// </summary>
public sealed class AccessAuditEvents(SearchIndexer indexer, FhirSerialization serialization, IOptions<AuditOptions> options)
{
    public const string RestfulInteractionSystem = "http://hl7.org/fhir/restful-interaction";
    public const string SrsUserIdSystem = "urn:sesphr:srs-user-id";
    public const string XRequestIdSystem = "https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType";

    private const string EventTypeSystem = "http://terminology.hl7.org/CodeSystem/audit-event-type";
    private const string EntityTypeSystem = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
    private const string EntityRoleSystem = "http://terminology.hl7.org/CodeSystem/object-role";
    private const string SourceTypeSystem = "http://terminology.hl7.org/CodeSystem/security-source-type";
    private const string EverythingOperation = "http://hl7.org/fhir/OperationDefinition/Patient-everything";

    /// <summary>The actions an <see cref="AccessRecord"/> may name, with the interaction and action code each becomes.</summary>
    private static readonly Dictionary<string, (string Subtype, AuditEvent.AuditEventAction Action)> Actions = new(StringComparer.Ordinal)
    {
        ["read"] = ("read", AuditEvent.AuditEventAction.R),
        ["vread"] = ("vread", AuditEvent.AuditEventAction.R),
        ["search"] = ("search-type", AuditEvent.AuditEventAction.E),
        ["history"] = ("history-instance", AuditEvent.AuditEventAction.R),
        ["everything"] = ("operation", AuditEvent.AuditEventAction.E),
        ["create"] = ("create", AuditEvent.AuditEventAction.C),
        ["update"] = ("update", AuditEvent.AuditEventAction.U),
        ["patch"] = ("patch", AuditEvent.AuditEventAction.U),
        ["delete"] = ("delete", AuditEvent.AuditEventAction.D),
    };

    /// <summary>Refuses a record the AuditEvent could not tell truthfully (a caller's bug, caught before it is queued).</summary>
    public static void Check(AccessRecord record) => Targets(record);

    private static (ReferenceTarget Patient, ReferenceTarget Resource) Targets(AccessRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!Actions.ContainsKey(record.Action))
        {
            throw new ArgumentException($"Unknown audited action '{record.Action}'.", nameof(record));
        }

        if (!ReferenceTarget.TryParse(record.Patient, out var patient) || patient.Type != "Patient" || !ResourceIds.IsValid(patient.Id))
        {
            throw new ArgumentException("The audited patient must be a Patient/id reference.", nameof(record));
        }

        if (!ReferenceTarget.TryParse(record.ResourceKey, out var resource) || !ResourceIds.IsValid(resource.Id))
        {
            throw new ArgumentException("The audited resource must be a Type/id reference.", nameof(record));
        }

        if (string.IsNullOrEmpty(record.CallerUserId))
        {
            throw new ArgumentException("The audited caller needs its SRS user id.", nameof(record));
        }

        return (patient, resource);
    }

    /// <summary>
    /// The search parameters an AuditEvent written by the server is indexed under: what a patient
    /// lists their accesses by (<c>patient</c>, <c>date</c>, who: <c>agent</c>, what: <c>entity</c>) and
    /// the codes of the event (<c>action</c>, <c>outcome</c>, <c>subtype</c>, <c>type</c>). Every index row
    /// is written with every audited read, before its response; the other AuditEvent parameters
    /// (agent-role, entity-type, entity-role, source...) would add more rows than the event itself.
    /// </summary>
    public static readonly IReadOnlySet<string> IndexedParameters =
        new HashSet<string>(["patient", "date", "agent", "entity", "action", "outcome", "subtype", "type"], StringComparer.Ordinal);

    /// <summary>The AuditEvent a record becomes (id and meta are set when it is stored).</summary>
    public AuditEvent Describe(AccessRecord record) => Describe([record]);

    /// <summary>
    /// One AuditEvent for records of one request that share patient, action and outcome (a search
    /// page of 20 resources is one event with 20 entities): the same caller, time and request id.
    /// Records of different patients never share an event, since each patient reads the events that
    /// name them.
    /// </summary>
    public AuditEvent Describe(IReadOnlyList<AccessRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            throw new ArgumentException("An AuditEvent needs at least one record.", nameof(records));
        }

        var record = records[0];
        var (patient, _) = Targets(record);
        if (records.Any(r => r.Patient != record.Patient || r.Action != record.Action || r.Outcome != record.Outcome
                             || r.CallerUserId != record.CallerUserId || r.RequestId != record.RequestId || r.At != record.At))
        {
            throw new ArgumentException("Records of one AuditEvent must share patient, action, outcome, caller, request and time.", nameof(records));
        }

        var (subtype, action) = Actions[record.Action];

        var audit = new AuditEvent
        {
            Type = new Coding(EventTypeSystem, "rest", "RESTful Operation"),
            Subtype = [new Coding(RestfulInteractionSystem, subtype)],
            Action = action,
            Recorded = record.At.ToUniversalTime(),
            Outcome = record.Outcome switch
            {
                AccessOutcome.Success => AuditEvent.AuditEventOutcome.N0,
                AccessOutcome.Denied => AuditEvent.AuditEventOutcome.N4,
                _ => AuditEvent.AuditEventOutcome.N8,
            },
            Agent = [Caller(record)],
            Source = new AuditEvent.SourceComponent
            {
                Observer = new ResourceReference { Identifier = new Identifier(null, options.Value.SourceId), Display = "SeSPHR FhirServer" },
                Type = [new Coding(SourceTypeSystem, "4", "Application Server")],
            },
        };
        if (record.Action == "everything")
        {
            audit.Subtype.Add(new Coding(EverythingOperation, "everything"));
        }

        audit.Entity = [];
        foreach (var accessedRecord in records)
        {
            var (_, resource) = Targets(accessedRecord);
            var accessed = new AuditEvent.EntityComponent
            {
                What = new ResourceReference(accessedRecord.VersionId is { } version
                    ? $"{resource}/_history/{version.ToString(CultureInfo.InvariantCulture)}"
                    : resource.ToString()),
                Type = new Coding(EntityTypeSystem, "2", "System Object"),
                Role = new Coding(EntityRoleSystem, "4", "Domain Resource"),
            };
            if (accessedRecord.Section is { Length: > 0 } section)
            {
                accessed.SecurityLabel = [new Coding(ConsentCodings.SectionSystem, section)];
            }

            audit.Entity.Add(accessed);
        }

        audit.Entity.Add(new AuditEvent.EntityComponent
        {
            What = new ResourceReference(patient.ToString()),
            Type = new Coding(EntityTypeSystem, "1", "Person"),
            Role = new Coding(EntityRoleSystem, "1", "Patient"),
        });
        if (record.RequestId is { Length: > 0 } requestId)
        {
            audit.Entity.Add(new AuditEvent.EntityComponent
            {
                What = new ResourceReference { Identifier = new Identifier(null, requestId) },
                Type = new Coding(XRequestIdSystem, "XrequestId", "X-Request-Id"),
            });
        }

        return audit;
    }

    /// <summary>A new AuditEvent resource, version 1, with its search values, for one record.</summary>
    public ResourceWrite ToWrite(AccessRecord record, DateTimeOffset stored) => ToWrite([record], stored);

    /// <summary>The AuditEvents of one request's records: one per patient, action and outcome.</summary>
    public IEnumerable<ResourceWrite> ToWrites(IReadOnlyList<AccessRecord> records, DateTimeOffset stored) =>
        records.GroupBy(r => (r.Patient, r.Action, r.Outcome, r.CallerUserId, r.RequestId, r.At)).Select(group => ToWrite(group.ToList(), stored));

    /// <summary>A new AuditEvent resource, version 1, with the search values of <see cref="IndexedParameters"/>.</summary>
    public ResourceWrite ToWrite(IReadOnlyList<AccessRecord> records, DateTimeOffset stored)
    {
        var audit = Describe(records);
        var id = ResourceWriter.NewId();
        var lastUpdated = new DateTimeOffset(stored.UtcTicks - (stored.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
        audit.Id = id;
        audit.Meta = new Meta { VersionId = "1", LastUpdated = lastUpdated };
        var resource = new StoredResource
        {
            Id = StoredResource.KeyOf(audit.TypeName, id),
            ResourceType = audit.TypeName,
            LogicalId = id,
            VersionId = 1,
            LastUpdated = lastUpdated,
            Json = Encoding.UTF8.GetString(serialization.SerializeToJsonUtf8(audit)),
            Patient = Targets(records[0]).Patient.ToString(),
        };
        // Only these parameters are evaluated at all: every FHIRPath evaluation is paid on the read path.
        return new ResourceWrite(resource, indexer.Extract(audit, IndexedParameters), ReplacesExisting: false);
    }

    private static AuditEvent.AgentComponent Caller(AccessRecord record)
    {
        var who = new ResourceReference { Identifier = new Identifier(SrsUserIdSystem, record.CallerUserId) };
        if (record.CallerFhirUser is { Length: > 0 } fhirUser && ReferenceTarget.TryParse(fhirUser, out var user))
        {
            who.Reference = user.ToString();
        }

        var agent = new AuditEvent.AgentComponent { Who = who, Requestor = true };
        if (record.CallerRole is { Length: > 0 } role)
        {
            agent.Role = [new CodeableConcept(ConsentCodings.RoleSystem, role)];
        }

        return agent;
    }
}
