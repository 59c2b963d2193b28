using System.Net;
using Hl7.Fhir.Model;

namespace SeSPHR.FhirServer.Tests.Features.Access.Enforcement;

/// <summary>Resources of no record: directory resources, AuditEvents and Provenance (DESIGN.md §4 "Visibility rules").</summary>
public sealed class RecordlessResourcesTests(RecordlessResourcesTests.Data data) : IClassFixture<RecordlessResourcesTests.Data>
{
    public sealed class Data : AccessData
    {
        public override async System.Threading.Tasks.Task InitializeAsync()
        {
            await base.InitializeAsync();
            using var admin = As(Admin);
            using var alice = As(Alice);
            await PutAsync(admin, new Practitioner { Id = "doc", Active = true });
            PlantedAuditEvent = await PlantAuditEventAsync(new SeSPHR.FhirServer.Features.Access.Audit.AccessRecord(
                DateTimeOffset.UtcNow, "u-doc", "practitioner", "Practitioner/doc", Pat, "Observation/v1", 1, "vitals", "read",
                SeSPHR.FhirServer.Features.Access.Audit.AccessOutcome.Success, "req-1"));
            await PutAsync(alice, Provenance("prov-vital", "Observation/v1"));
            await PutAsync(alice, Provenance("prov-mixed", "Observation/v1", "Observation/m1"));
            ResetFakes();
        }

        /// <summary>The id of the AuditEvent of Alice's record (the server chooses it).</summary>
        public string PlantedAuditEvent { get; private set; } = "";

        private static Provenance Provenance(string id, params string[] targets) => new()
        {
            Id = id,
            Target = [.. targets.Select(t => new ResourceReference(t))],
            Recorded = DateTimeOffset.UtcNow,
            Agent = [new Provenance.AgentComponent { Who = new ResourceReference(Pat) }],
        };
    }

    [Theory]
    [InlineData("family", "Practitioner/doc", true)]
    [InlineData("pharmacist", "Practitioner/doc", true)]
    [InlineData("alice", "AuditEvent/audit-pat", true)]
    [InlineData("admin", "AuditEvent/audit-pat", true)]
    [InlineData("doctor", "AuditEvent/audit-pat", false)]
    [InlineData("bob", "AuditEvent/audit-pat", false)]
    [InlineData("family", "Provenance/prov-vital", true)]
    [InlineData("family", "Provenance/prov-mixed", false)]
    [InlineData("doctor", "Provenance/prov-mixed", true)]
    [InlineData("insurer", "Provenance/prov-vital", false)]
    [InlineData("alice", "Provenance/prov-mixed", true)]
    public async System.Threading.Tasks.Task Visibility_follows_the_rule_of_each_kind(string caller, string key, bool visible)
    {
        var user = AccessData.UserNamed(caller);
        using var client = data.As(user);
        key = key.Replace("audit-pat", data.PlantedAuditEvent, StringComparison.Ordinal);
        (await client.GetAsync($"/fhir/{key}")).StatusCode.ShouldBe(visible ? HttpStatusCode.OK : HttpStatusCode.NotFound);
        var type = key.Split('/')[0];
        var (entries, totals, _) = await AccessData.AllPagesAsync(client, $"/fhir/{type}?_id={key.Split('/')[1]}&_total=accurate");
        entries.Count.ShouldBe(visible ? 1 : 0);
        totals.ShouldAllBe(t => t == (visible ? 1 : 0));
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("admin")]
    public async System.Threading.Tasks.Task Nobody_writes_AuditEvents_not_even_an_admin(string caller)
    {
        using var client = data.As(AccessData.UserNamed(caller));
        var response = await data.TryPutAsync(client, new AuditEvent
        {
            Id = "forged",
            Type = new Coding("http://dicom.nema.org/resources/ontology/DCM", "110110"),
            Recorded = DateTimeOffset.UtcNow,
            Agent = [new AuditEvent.AgentComponent { Requestor = true }],
            Source = new AuditEvent.SourceComponent { Observer = new ResourceReference("Device/x") },
        });
        response.StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed);
        (await client.DeleteAsync($"/fhir/AuditEvent/{data.PlantedAuditEvent}")).StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed);
        using var admin = data.As(AccessData.Admin);
        (await admin.GetAsync($"/fhir/AuditEvent/{data.PlantedAuditEvent}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("alice", "Organization/clinic", HttpStatusCode.Forbidden)]
    [InlineData("family", "Organization/clinic", HttpStatusCode.Forbidden)]
    [InlineData("doctor", "Organization/clinic", HttpStatusCode.Forbidden)]
    [InlineData("insurer", "Organization/ins", HttpStatusCode.Created)]
    [InlineData("family", "Location/ward", HttpStatusCode.Forbidden)]
    [InlineData("pharmacist", "Location/ward", HttpStatusCode.Forbidden)]
    [InlineData("admin", "Location/lobby", HttpStatusCode.Created)]
    public async System.Threading.Tasks.Task Directory_resources_are_written_by_admins_and_the_account_they_describe(string caller, string key, HttpStatusCode expected)
    {
        var user = AccessData.UserNamed(caller);
        using var client = data.As(user);
        var id = key.Split('/')[1];
        Resource resource = key.StartsWith("Organization/", StringComparison.Ordinal)
            ? new Organization { Id = id, Name = "Directory entry" }
            : new Location { Id = id, Name = "Directory entry" };
        var response = await data.TryPutAsync(client, resource);
        response.StatusCode.ShouldBe(expected);
    }
}
