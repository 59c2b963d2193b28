using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using SeSPHR.FhirServer.Features.Access.Audit;
using SeSPHR.FhirServer.Features.Resources;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Search;

namespace SeSPHR.FhirServer.Tests.Features.Access.Audit;

/// <summary>What an AuditEvent built from an access record says, and what it never says.</summary>
public sealed class AccessAuditEventsTests
{
    private static readonly FhirSerialization Serialization = new();

    private static readonly SearchIndexer Indexer = new(SearchParameterRegistry.Create(ResourceRegistry.Default.ResourceTypes, protectSections: true));

    private static readonly AccessAuditEvents Events = new(Options.Create(new AuditOptions()));

    private static readonly AccessRecord Record = new(
        new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero), "u-1", "related-person", "RelatedPerson/daughter",
        "Patient/p1", "Observation/o1", null, "vitals", "everything", AccessOutcome.Failed, null);

    [Fact]
    public void Given_an_everything_access_When_described_Then_the_subtype_names_the_operation_and_no_version_is_invented()
    {
        var audit = Written(Record);

        audit.Subtype.Select(coding => coding.Code).ShouldBe(["operation", "everything"]);
        audit.Subtype[1].System.ShouldBe("http://hl7.org/fhir/OperationDefinition/Patient-everything");
        audit.Entity[0].What!.Reference.ShouldBe("Observation/o1");
        audit.Entity.Count.ShouldBe(2);
        audit.Outcome.ShouldBe(Hl7.Fhir.Model.AuditEvent.AuditEventOutcome.N8);
    }

    [Fact]
    public void Given_a_caller_without_fhirUser_When_described_Then_the_agent_is_named_by_srs_user_id_only()
    {
        var audit = Written(Record with { CallerFhirUser = null });

        audit.Agent[0].Who!.Reference.ShouldBeNull();
        audit.Agent[0].Who!.Identifier!.System.ShouldBe(AccessAuditEvents.SrsUserIdSystem);
        audit.Agent[0].Who!.Identifier!.Value.ShouldBe("u-1");
    }

    [Fact]
    public void Given_a_stored_audit_event_When_its_json_is_read_Then_it_holds_only_references_codes_ids_and_times()
    {
        var write = Events.ToWrite(Record with { RequestId = "req-7", VersionId = 2 }, DateTimeOffset.UtcNow);

        var json = JsonNode.Parse(write.Resource.Json!)!;
        var leaves = Leaves(json, "").ToList();
        // Every value the event holds, by path: nothing but what the record gave and fixed vocabulary.
        leaves.Select(leaf => leaf.Path).Distinct().Order(StringComparer.Ordinal).ShouldBe(new[]
        {
            "resourceType", "id", "meta.versionId", "meta.lastUpdated",
            "type.system", "type.code", "type.display",
            "subtype.system", "subtype.code",
            "action", "recorded", "outcome",
            "agent.role.coding.system", "agent.role.coding.code",
            "agent.who.reference", "agent.who.identifier.system", "agent.who.identifier.value", "agent.requestor",
            "source.observer.identifier.value", "source.observer.display",
            "source.type.system", "source.type.code", "source.type.display",
            "entity.what.reference", "entity.what.identifier.value",
            "entity.type.system", "entity.type.code", "entity.type.display",
            "entity.role.system", "entity.role.code", "entity.role.display",
            "entity.securityLabel.system", "entity.securityLabel.code",
        }.Order(StringComparer.Ordinal));
        write.Resource.Patient.ShouldBe("Patient/p1");
        write.Resource.Section.ShouldBeNull();
        // Searched by patient through the entity row that points at the Patient (SearchStorage).
        write.Index.References.ShouldContain(reference => reference.Parameter == "entity" && reference.TargetType == "Patient" && reference.TargetId == "p1");
        Encoding.UTF8.GetByteCount(write.Resource.Json!).ShouldBeLessThan(2048);
    }

    [Fact]
    public void Given_a_stored_audit_event_When_its_search_values_are_compared_with_a_full_extraction_Then_they_are_that_extraction_for_the_indexed_parameters()
    {
        // The writer evaluates only the indexed parameters; a search by any of them must find what
        // the full extraction would have filed (patient as caller and as entity, versions, request id;
        // patient itself is served by the agent and entity rows that point at Patients).
        var records = new[]
        {
            Record with { RequestId = "req-7", VersionId = 2, Action = "read", Outcome = AccessOutcome.Success },
            Record with { RequestId = "req-7", ResourceKey = "Patient/p1", VersionId = 3, Action = "read", Outcome = AccessOutcome.Success, Section = "personal" },
        };
        foreach (var batch in new[] { records, [Record with { CallerRole = "patient", CallerFhirUser = "Patient/p1" }] })
        {
            var write = Events.ToWrite(batch, DateTimeOffset.UtcNow);
            var full = Indexer.Extract(Serialization.ParseStored(write.Resource.Json!));

            write.Index.Tokens.ShouldBe(full.Tokens.Where(v => AccessAuditEvents.IndexedParameters.Contains(v.Parameter)), ignoreOrder: true);
            write.Index.References.ShouldBe(full.References.Where(v => AccessAuditEvents.IndexedParameters.Contains(v.Parameter)), ignoreOrder: true);
            write.Index.Dates.ShouldBe(full.Dates.Where(v => AccessAuditEvents.IndexedParameters.Contains(v.Parameter)), ignoreOrder: true);
            write.Index.Strings.ShouldBeEmpty();
            write.Index.Tokens.Select(v => v.Parameter).Concat(write.Index.References.Select(v => v.Parameter)).Concat(write.Index.Dates.Select(v => v.Parameter))
                .Distinct().Order(StringComparer.Ordinal)
                .ShouldBe(["action", "agent", "date", "entity", "outcome", "subtype", "type"]);
        }
    }

    public static TheoryData<string> Requests => new(["read", "vread", "search", "history", "everything", "create", "update", "patch", "delete"]);

    [Theory]
    [MemberData(nameof(Requests))]
    public void Given_records_When_written_Then_the_json_is_byte_for_byte_what_firely_writes_for_the_same_event(string action)
    {
        // The writer skips the POCO for speed; Firely's serialiser of an AuditEvent built the long way
        // (below, from the R4 model) is the reference it must match, for every kind of record.
        var at = new DateTimeOffset(2026, 3, 1, 12, 0, 0, 123, TimeSpan.FromHours(2)).AddTicks(4567);
        var variants = new[]
        {
            new[] { Record with { Action = action, At = at } },
            [Record with { Action = action, At = at, CallerFhirUser = null, CallerRole = "", Section = null, RequestId = "req-\"quoted\"+1", Outcome = AccessOutcome.Denied }],
            [
                Record with { Action = action, VersionId = 7, Outcome = AccessOutcome.Success, RequestId = "r" },
                Record with { Action = action, ResourceKey = "Patient/p1", VersionId = 1, Section = "personal", Outcome = AccessOutcome.Success, RequestId = "r" },
            ],
        };
        foreach (var records in variants)
        {
            foreach (var stored in new[] { new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero), DateTimeOffset.UtcNow })
            {
                var write = Events.ToWrite(records, stored);

                var expected = Expected(records);
                expected.Id = write.Resource.LogicalId;
                expected.Meta = new Hl7.Fhir.Model.Meta { VersionId = "1", LastUpdated = write.Resource.LastUpdated };
                write.Resource.Json.ShouldBe(Encoding.UTF8.GetString(Serialization.SerializeToJsonUtf8(expected)));
                write.Resource.LastUpdated.ShouldBe(new DateTimeOffset(stored.UtcTicks - (stored.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero));
                write.Resource.Id.ShouldBe($"AuditEvent/{write.Resource.LogicalId}");
            }
        }
    }

    [Fact]
    public void Given_records_of_different_patients_or_requests_When_written_as_one_event_Then_they_are_refused()
    {
        Should.Throw<ArgumentException>(() => Events.ToWrite([Record, Record with { Patient = "Patient/p2" }], DateTimeOffset.UtcNow));
        Should.Throw<ArgumentException>(() => Events.ToWrite([Record, Record with { RequestId = "other" }], DateTimeOffset.UtcNow));
        Should.Throw<ArgumentException>(() => Events.ToWrite([Record with { Action = "peek" }], DateTimeOffset.UtcNow));
        Should.Throw<ArgumentException>(() => Events.ToWrite([Record with { ResourceKey = "Observation" }], DateTimeOffset.UtcNow));
        Events.ToWrites([Record, Record with { Patient = "Patient/p2" }], DateTimeOffset.UtcNow).Count().ShouldBe(2);
    }

    private static Hl7.Fhir.Model.AuditEvent Written(AccessRecord record) =>
        (Hl7.Fhir.Model.AuditEvent)Serialization.ParseStored(Events.ToWrite(record, DateTimeOffset.UtcNow).Resource.Json!);

    /// <summary>The AuditEvent of IHE's Basic Audit Log Patterns for the records, built with Firely's R4 model.</summary>
    private static Hl7.Fhir.Model.AuditEvent Expected(AccessRecord[] records)
    {
        const string entityType = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
        const string objectRole = "http://terminology.hl7.org/CodeSystem/object-role";
        var record = records[0];
        var (subtype, action) = record.Action switch
        {
            "read" => ("read", Hl7.Fhir.Model.AuditEvent.AuditEventAction.R),
            "vread" => ("vread", Hl7.Fhir.Model.AuditEvent.AuditEventAction.R),
            "search" => ("search-type", Hl7.Fhir.Model.AuditEvent.AuditEventAction.E),
            "history" => ("history-instance", Hl7.Fhir.Model.AuditEvent.AuditEventAction.R),
            "everything" => ("operation", Hl7.Fhir.Model.AuditEvent.AuditEventAction.E),
            "create" => ("create", Hl7.Fhir.Model.AuditEvent.AuditEventAction.C),
            "update" => ("update", Hl7.Fhir.Model.AuditEvent.AuditEventAction.U),
            "patch" => ("patch", Hl7.Fhir.Model.AuditEvent.AuditEventAction.U),
            _ => ("delete", Hl7.Fhir.Model.AuditEvent.AuditEventAction.D),
        };
        var who = new Hl7.Fhir.Model.ResourceReference { Identifier = new Hl7.Fhir.Model.Identifier(AccessAuditEvents.SrsUserIdSystem, record.CallerUserId) };
        if (record.CallerFhirUser is { Length: > 0 } fhirUser)
        {
            who.Reference = fhirUser;
        }

        var agent = new Hl7.Fhir.Model.AuditEvent.AgentComponent { Who = who, Requestor = true };
        if (record.CallerRole is { Length: > 0 } role)
        {
            agent.Role = [new Hl7.Fhir.Model.CodeableConcept("http://sesphr.org/fhir/CodeSystem/role", role)];
        }

        var audit = new Hl7.Fhir.Model.AuditEvent
        {
            Type = new Hl7.Fhir.Model.Coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "RESTful Operation"),
            Subtype = [new Hl7.Fhir.Model.Coding(AccessAuditEvents.RestfulInteractionSystem, subtype)],
            Action = action,
            Recorded = record.At.ToUniversalTime(),
            Outcome = record.Outcome switch
            {
                AccessOutcome.Success => Hl7.Fhir.Model.AuditEvent.AuditEventOutcome.N0,
                AccessOutcome.Denied => Hl7.Fhir.Model.AuditEvent.AuditEventOutcome.N4,
                _ => Hl7.Fhir.Model.AuditEvent.AuditEventOutcome.N8,
            },
            Agent = [agent],
            Source = new Hl7.Fhir.Model.AuditEvent.SourceComponent
            {
                Observer = new Hl7.Fhir.Model.ResourceReference { Identifier = new Hl7.Fhir.Model.Identifier(null, "sesphr-fhirserver"), Display = "SeSPHR FhirServer" },
                Type = [new Hl7.Fhir.Model.Coding("http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server")],
            },
            Entity = [],
        };
        if (record.Action == "everything")
        {
            audit.Subtype.Add(new Hl7.Fhir.Model.Coding("http://hl7.org/fhir/OperationDefinition/Patient-everything", "everything"));
        }

        foreach (var accessed in records)
        {
            var entity = new Hl7.Fhir.Model.AuditEvent.EntityComponent
            {
                What = new Hl7.Fhir.Model.ResourceReference(accessed.VersionId is { } version ? $"{accessed.ResourceKey}/_history/{version}" : accessed.ResourceKey),
                Type = new Hl7.Fhir.Model.Coding(entityType, "2", "System Object"),
                Role = new Hl7.Fhir.Model.Coding(objectRole, "4", "Domain Resource"),
            };
            if (accessed.Section is { Length: > 0 } section)
            {
                entity.SecurityLabel = [new Hl7.Fhir.Model.Coding("http://sesphr.org/fhir/CodeSystem/section", section)];
            }

            audit.Entity.Add(entity);
        }

        audit.Entity.Add(new Hl7.Fhir.Model.AuditEvent.EntityComponent
        {
            What = new Hl7.Fhir.Model.ResourceReference(record.Patient),
            Type = new Hl7.Fhir.Model.Coding(entityType, "1", "Person"),
            Role = new Hl7.Fhir.Model.Coding(objectRole, "1", "Patient"),
        });
        if (record.RequestId is { Length: > 0 } requestId)
        {
            audit.Entity.Add(new Hl7.Fhir.Model.AuditEvent.EntityComponent
            {
                What = new Hl7.Fhir.Model.ResourceReference { Identifier = new Hl7.Fhir.Model.Identifier(null, requestId) },
                Type = new Hl7.Fhir.Model.Coding(AccessAuditEvents.XRequestIdSystem, "XrequestId", "X-Request-Id"),
            });
        }

        return audit;
    }

    private static IEnumerable<(string Path, string Value)> Leaves(JsonNode node, string path) => node switch
    {
        JsonObject obj => obj.SelectMany(pair => Leaves(pair.Value!, path.Length == 0 ? pair.Key : $"{path}.{pair.Key}")),
        JsonArray array => array.SelectMany(item => Leaves(item!, path)),
        _ => [(path, node.ToString())],
    };
}
