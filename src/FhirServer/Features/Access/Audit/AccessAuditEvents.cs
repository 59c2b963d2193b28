using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SeSPHR.FhirServer.Features.Access.Consents;
using SeSPHR.FhirServer.Features.Resources;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Search;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Features.Access.Audit;

/// <summary>
/// Turns an <see cref="AccessRecord"/> into a FHIR R4 AuditEvent in the style of IHE's Basic Audit
/// Log Patterns, with its search values, filed under the patient it concerns (so
/// <c>AuditEvent?patient=Patient/x</c> finds it), for the audit trail's table
/// (<see cref="Storage.AuditEventTable"/>). An AuditEvent carries only references, codes, ids and
/// times: what the record holds, never a value of the resource that was accessed.
/// </summary>
public sealed class AccessAuditEvents(IOptions<AuditOptions> options)
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
    private static readonly Dictionary<string, (string Subtype, string Action)> Actions = new(StringComparer.Ordinal)
    {
        ["read"] = ("read", "R"),
        ["vread"] = ("vread", "R"),
        ["search"] = ("search-type", "E"),
        ["count"] = ("search-type", "E"),
        ["history"] = ("history-instance", "R"),
        ["everything"] = ("operation", "E"),
        ["create"] = ("create", "C"),
        ["update"] = ("update", "U"),
        ["patch"] = ("patch", "U"),
        ["delete"] = ("delete", "D"),
    };

    /// <summary>The record's patient and resource; refuses a record the AuditEvent could not tell truthfully (a caller's bug).</summary>
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

    /// <summary>A new AuditEvent resource, version 1, with its search values, for one record.</summary>
    public ResourceWrite ToWrite(AccessRecord record, DateTimeOffset stored) => ToWrite([record], stored);

    /// <summary>The AuditEvents of one request's records: one per patient, action and outcome.</summary>
    public IEnumerable<ResourceWrite> ToWrites(IReadOnlyList<AccessRecord> records, DateTimeOffset stored) =>
        records.GroupBy(r => (r.Patient, r.Action, r.Outcome, r.CallerUserId, r.RequestId, r.At)).Select(group => ToWrite(group.ToList(), stored));

    /// <summary>
    /// One AuditEvent, version 1, for records of one request that share patient, action and outcome (a
    /// search page of 20 resources is one event with 20 entities): the same caller, time and request id.
    /// Records of different patients never share an event, since each patient reads the events that
    /// name them. Its search values are those of <see cref="IndexedParameters"/>.
    /// </summary>
    /// <remarks>
    /// Every audited read builds one of these before its response, so the JSON is written directly,
    /// element by element in the order of the R4 definition (what Firely's serialiser writes for the
    /// same event), and each search value is filed as its element is written, instead of building a
    /// POCO, serialising it and evaluating FHIRPath over it: that was about a tenth of the
    /// FhirServer's CPU per read. <c>AccessAuditEventsTests</c> holds the output to the POCO route's,
    /// byte for byte, and the search values to a full extraction's.
    /// </remarks>
    public ResourceWrite ToWrite(IReadOnlyList<AccessRecord> records, DateTimeOffset stored)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            throw new ArgumentException("An AuditEvent needs at least one record.", nameof(records));
        }

        // Every record is checked here, once, before anything is written or queued.
        var targets = records.Select(Targets).ToList();
        var record = records[0];
        if (records.Any(r => r.Patient != record.Patient || r.Action != record.Action || r.Outcome != record.Outcome
                             || r.CallerUserId != record.CallerUserId || r.RequestId != record.RequestId || r.At != record.At))
        {
            throw new ArgumentException("Records of one AuditEvent must share patient, action, outcome, caller, request and time.", nameof(records));
        }

        var id = ResourceWriter.NewId();
        var lastUpdated = new DateTimeOffset(stored.UtcTicks - (stored.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
        var index = new SearchIndex();
        var buffer = new ArrayBufferWriter<byte>(1024 + (512 * records.Count));
        using (var json = new Utf8JsonWriter(buffer, FhirSerialization.WriterOptions))
        {
            Write(json, index, records, targets, id, lastUpdated);
        }

        var resource = new StoredResource
        {
            Id = StoredResource.KeyOf("AuditEvent", id),
            ResourceType = "AuditEvent",
            LogicalId = id,
            VersionId = 1,
            LastUpdated = lastUpdated,
            Json = Encoding.UTF8.GetString(buffer.WrittenSpan),
            Patient = targets[0].Patient.ToString(),
        };
        return new ResourceWrite(resource, index, ReplacesExisting: false);
    }

    private void Write(
        Utf8JsonWriter json, SearchIndex index, IReadOnlyList<AccessRecord> records,
        List<(ReferenceTarget Patient, ReferenceTarget Resource)> targets, string id, DateTimeOffset lastUpdated)
    {
        var record = records[0];
        var patient = targets[0].Patient;
        var (subtype, action) = Actions[record.Action];
        json.WriteStartObject();
        json.WriteString("resourceType", "AuditEvent");
        json.WriteString("id", id);
        json.WriteStartObject("meta");
        json.WriteString("versionId", "1");
        json.WriteString("lastUpdated", Instant(lastUpdated));
        json.WriteEndObject();

        json.WritePropertyName("type");
        Coding(json, index, "type", EventTypeSystem, "rest", "RESTful Operation");
        json.WriteStartArray("subtype");
        Coding(json, index, "subtype", RestfulInteractionSystem, subtype);
        if (record.Action == "everything")
        {
            Coding(json, index, "subtype", EverythingOperation, "everything");
        }

        json.WriteEndArray();
        Code(json, index, "action", action);
        var recorded = Instant(record.At.ToUniversalTime());
        json.WriteString("recorded", recorded);
        if (FhirDateRange.TryParse(recorded, out var range))
        {
            index.Dates.Add(new DateValue("date", range.Low, range.High));
        }

        // AuditEventOutcome: 0 success, 4 minor failure (refused), 8 serious failure.
        Code(json, index, "outcome", record.Outcome switch
        {
            AccessOutcome.Success => "0",
            AccessOutcome.Denied => "4",
            _ => "8",
        });

        json.WriteStartArray("agent");
        json.WriteStartObject();
        if (record.CallerRole is { Length: > 0 } role)
        {
            json.WriteStartArray("role");
            json.WriteStartObject();
            json.WriteStartArray("coding");
            Coding(json, index: null, parameter: null, ConsentCodings.RoleSystem, role);
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
        }

        json.WriteStartObject("who");
        if (record.CallerFhirUser is { Length: > 0 } fhirUser && ReferenceTarget.TryParse(fhirUser, out var user))
        {
            Reference(json, index, "agent", user.ToString(), user);
        }

        json.WriteStartObject("identifier");
        json.WriteString("system", SrsUserIdSystem);
        json.WriteString("value", record.CallerUserId);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteBoolean("requestor", true);
        json.WriteEndObject();
        json.WriteEndArray();

        json.WriteStartObject("source");
        json.WriteStartObject("observer");
        json.WriteStartObject("identifier");
        json.WriteString("value", options.Value.SourceId);
        json.WriteEndObject();
        json.WriteString("display", "SeSPHR FhirServer");
        json.WriteEndObject();
        json.WriteStartArray("type");
        Coding(json, index: null, parameter: null, SourceTypeSystem, "4", "Application Server");
        json.WriteEndArray();
        json.WriteEndObject();

        json.WriteStartArray("entity");
        for (var i = 0; i < records.Count; i++)
        {
            var (accessed, resource) = (records[i], targets[i].Resource);
            json.WriteStartObject();
            json.WriteStartObject("what");
            Reference(json, index, "entity", accessed.VersionId is { } version
                ? $"{resource}/_history/{version.ToString(CultureInfo.InvariantCulture)}"
                : resource.ToString(), resource);
            json.WriteEndObject();
            json.WritePropertyName("type");
            Coding(json, index: null, parameter: null, EntityTypeSystem, "2", "System Object");
            json.WritePropertyName("role");
            Coding(json, index: null, parameter: null, EntityRoleSystem, "4", "Domain Resource");
            if (accessed.Section is { Length: > 0 } section)
            {
                json.WriteStartArray("securityLabel");
                Coding(json, index: null, parameter: null, ConsentCodings.SectionSystem, section);
                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        json.WriteStartObject();
        json.WriteStartObject("what");
        Reference(json, index, "entity", patient.ToString(), patient);
        json.WriteEndObject();
        json.WritePropertyName("type");
        Coding(json, index: null, parameter: null, EntityTypeSystem, "1", "Person");
        json.WritePropertyName("role");
        Coding(json, index: null, parameter: null, EntityRoleSystem, "1", "Patient");
        json.WriteEndObject();
        if (record.RequestId is { Length: > 0 } requestId)
        {
            json.WriteStartObject();
            json.WriteStartObject("what");
            json.WriteStartObject("identifier");
            json.WriteString("value", requestId);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WritePropertyName("type");
            Coding(json, index: null, parameter: null, XRequestIdSystem, "XrequestId", "X-Request-Id");
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void Coding(Utf8JsonWriter json, SearchIndex? index, string? parameter, string system, string code, string? display = null)
    {
        json.WriteStartObject();
        json.WriteString("system", system);
        json.WriteString("code", code);
        if (display is not null)
        {
            json.WriteString("display", display);
        }

        json.WriteEndObject();
        if (index is not null && parameter is not null)
        {
            index.Tokens.Add(new TokenValue(parameter, system, code));
        }
    }

    private static void Code(Utf8JsonWriter json, SearchIndex index, string parameter, string code)
    {
        json.WriteString(parameter, code);
        index.Tokens.Add(new TokenValue(parameter, null, code));
    }

    private static void Reference(Utf8JsonWriter json, SearchIndex index, string parameter, string reference, ReferenceTarget target)
    {
        json.WriteString("reference", reference);
        index.References.Add(new ReferenceValue(parameter, target.Type, target.Id));
    }

    /// <summary>An instant as Firely writes a <c>DateTimeOffset</c>: up to seven digits of fraction, trailing zeros dropped.</summary>
    private static string Instant(DateTimeOffset value) =>
        value.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);
}
