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

    private static readonly AccessAuditEvents Events = new(Indexer, Serialization, Options.Create(new AuditOptions()));

    private static readonly AccessRecord Record = new(
        new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero), "u-1", "related-person", "RelatedPerson/daughter",
        "Patient/p1", "Observation/o1", null, "vitals", "everything", AccessOutcome.Failed, null);

    [Fact]
    public void Given_an_everything_access_When_described_Then_the_subtype_names_the_operation_and_no_version_is_invented()
    {
        var audit = Events.Describe(Record);

        audit.Subtype.Select(coding => coding.Code).ShouldBe(["operation", "everything"]);
        audit.Subtype[1].System.ShouldBe("http://hl7.org/fhir/OperationDefinition/Patient-everything");
        audit.Entity[0].What!.Reference.ShouldBe("Observation/o1");
        audit.Entity.Count.ShouldBe(2);
        audit.Outcome.ShouldBe(Hl7.Fhir.Model.AuditEvent.AuditEventOutcome.N8);
    }

    [Fact]
    public void Given_a_caller_without_fhirUser_When_described_Then_the_agent_is_named_by_srs_user_id_only()
    {
        var audit = Events.Describe(Record with { CallerFhirUser = null });

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

    private static IEnumerable<(string Path, string Value)> Leaves(JsonNode node, string path) => node switch
    {
        JsonObject obj => obj.SelectMany(pair => Leaves(pair.Value!, path.Length == 0 ? pair.Key : $"{path}.{pair.Key}")),
        JsonArray array => array.SelectMany(item => Leaves(item!, path)),
        _ => [(path, node.ToString())],
    };
}
