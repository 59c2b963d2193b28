using System.Net;
using System.Text.Json;
using SeSPHR.FhirServer.Features.Access.Audit;
using SeSPHR.FhirServer.Tests.Features.Access.Enforcement;
using SeSPHR.FhirServer.Tests.Infrastructure;

namespace SeSPHR.FhirServer.Tests.Features.Access.Audit;

/// <summary>
/// The audit trail as its readers see it: AuditEvents live in a table of their own
/// (<c>AuditEventTable</c>), and every read path (read, vread, search with each parameter, paging
/// and totals, sorting, history, _include and _revinclude) serves them with the access rule of the
/// design: a patient reads the events filed under their record, admins read all, nobody writes.
/// </summary>
public sealed class AuditTrailTests(AuditTrailTests.Trail trail) : IClassFixture<AuditTrailTests.Trail>
{
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// 25 events of Alice's record (i = 0..24, a minute apart): the doctor reads on even i, the family
    /// member on odd; every fifth is a search; every i % 4 == 3 was refused; the resource is
    /// Observation/v{1 + i % 7}. And 3 refused reads of Bob's record by Alice.
    /// </summary>
    public sealed class Trail : AccessData
    {
        public List<string> Alices { get; } = [];

        public List<string> Bobs { get; } = [];

        public override async System.Threading.Tasks.Task InitializeAsync()
        {
            await base.InitializeAsync();
            for (var i = 0; i < 25; i++)
            {
                var (user, role, fhirUser) = i % 2 == 0 ? ("u-doc", "practitioner", "Practitioner/doc") : ("u-fam", "related-person", "RelatedPerson/fam");
                var at = Start.AddMinutes(i);
                Alices.Add(await PlantAuditEventAsync(
                    new AccessRecord(at, user, role, fhirUser, Pat, $"Observation/v{1 + (i % 7)}", 1, "vitals", i % 5 == 0 ? "search" : "read",
                        i % 4 == 3 ? AccessOutcome.Denied : AccessOutcome.Success, $"req-{i}"),
                    at.AddSeconds(1)));
            }

            for (var i = 0; i < 3; i++)
            {
                var at = Start.AddMinutes(30 + i);
                Bobs.Add(await PlantAuditEventAsync(
                    new AccessRecord(at, "u-pat", "patient", Pat, Other, "Observation/o1", null, "vitals", "read", AccessOutcome.Denied, $"bob-{i}"),
                    at.AddSeconds(1)));
            }

            ResetFakes();
        }
    }

    private static async Task<List<(string Key, string Mode, JsonElement Entry)>> AllAsync(HttpClient client, string query, long? total = null)
    {
        var (entries, totals, _) = await AccessData.AllPagesAsync(client, query);
        if (total is { } expected)
        {
            totals.ShouldAllBe(t => t == expected);
        }

        return entries;
    }

    [Fact]
    public async Task Given_her_records_trail_When_Alice_pages_through_it_Then_every_event_is_there_once_and_counted()
    {
        using var alice = trail.As(AccessData.Alice);
        var entries = await AllAsync(alice, "/fhir/AuditEvent?patient=Patient/pat&_count=10&_total=accurate", total: 25);
        entries.Select(e => e.Key).ShouldBe(trail.Alices.Select(id => "AuditEvent/" + id), ignoreOrder: true);

        // Without naming the patient she gets the same: her record's events, and not those of Bob's
        // record that name her as the agent.
        (await AllAsync(alice, "/fhir/AuditEvent?_count=7&_total=accurate", total: 25)).Count.ShouldBe(25);
        (await AllAsync(alice, "/fhir/AuditEvent?agent=Patient/pat")).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("bob", "patient=Patient/pat", 0)]
    [InlineData("bob", "patient=Patient/other", 3)]
    [InlineData("bob", "", 3)]
    [InlineData("doctor", "agent=Practitioner/doc", 0)]
    [InlineData("doctor", "", 0)]
    [InlineData("family", "patient=Patient/pat", 0)]
    [InlineData("admin", "", 28)]
    [InlineData("admin", "patient=Patient/pat", 25)]
    [InlineData("admin", "agent=Patient/pat", 3)]
    public async Task Given_the_trail_When_others_search_it_Then_they_see_what_the_rule_lets_them(string caller, string query, int expected)
    {
        using var client = trail.As(AccessData.UserNamed(caller));
        (await AllAsync(client, $"/fhir/AuditEvent?{query}&_count=10&_total=accurate", total: expected)).Count.ShouldBe(expected);
    }

    [Theory]
    [InlineData("agent=Practitioner/doc", 13)]
    [InlineData("agent=RelatedPerson/fam", 12)]
    [InlineData("agent=fam", 12)]
    [InlineData("agent:RelatedPerson=fam", 12)]
    [InlineData("entity=Observation/v1", 4)]
    [InlineData("entity=Observation/v1,Observation/v2", 8)]
    [InlineData("entity=Patient/pat", 25)]
    [InlineData("patient=pat", 25)]
    [InlineData("patient:Patient=pat", 25)]
    [InlineData("patient=Patient/other", 0)]
    [InlineData("action=E", 5)]
    [InlineData("action=R", 20)]
    [InlineData("outcome=4", 6)]
    [InlineData("outcome:not=4", 19)]
    [InlineData("agent=RelatedPerson/fam&outcome=4", 6)]
    [InlineData("subtype=read", 20)]
    [InlineData("subtype=http://hl7.org/fhir/restful-interaction|search-type", 5)]
    [InlineData("type=rest", 25)]
    [InlineData("type=http://terminology.hl7.org/CodeSystem/audit-event-type|other", 0)]
    [InlineData("date=ge2026-03-01T12:10:00Z", 15)]
    [InlineData("date=lt2026-03-01T12:05:00Z", 5)]
    [InlineData("date=2026-03-01", 25)]
    [InlineData("date=2026-03-02", 0)]
    [InlineData("date:missing=true", 0)]
    [InlineData("agent:missing=false", 25)]
    [InlineData("_lastUpdated=gt2026-03-01T12:20:00Z", 5)]
    public async Task Given_the_trail_When_Alice_searches_by_a_parameter_Then_she_gets_exactly_the_matching_events(string query, int expected)
    {
        using var alice = trail.As(AccessData.Alice);
        (await AllAsync(alice, $"/fhir/AuditEvent?{query}&_count=4&_total=accurate", total: expected)).Count.ShouldBe(expected);
    }

    [Theory]
    [InlineData("-date", 24)]
    [InlineData("date", 0)]
    [InlineData("-_lastUpdated", 24)]
    [InlineData("_lastUpdated", 0)]
    public async Task Given_the_trail_When_sorted_Then_it_pages_in_that_order(string sort, int first)
    {
        using var alice = trail.As(AccessData.Alice);
        var entries = await AllAsync(alice, $"/fhir/AuditEvent?patient=Patient/pat&_sort={sort}&_count=6");
        entries.Count.ShouldBe(25);
        entries[0].Key.ShouldBe("AuditEvent/" + trail.Alices[first]);
        var recorded = entries.Select(e => DateTimeOffset.Parse(e.Entry.GetProperty("resource").GetProperty("recorded").GetString()!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        recorded.ShouldBe(sort.StartsWith('-') ? recorded.OrderDescending().ToList() : recorded.Order().ToList());
    }

    [Fact]
    public async Task Given_an_event_When_read_vread_and_its_history_are_asked_Then_it_is_its_only_version()
    {
        using var alice = trail.As(AccessData.Alice);
        var id = trail.Alices[3];
        var read = await alice.GetAsync($"/fhir/AuditEvent/{id}");
        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await read.BodyAsync();
        body.GetProperty("id").GetString().ShouldBe(id);
        body.GetProperty("outcome").GetString().ShouldBe("4");
        read.Headers.ETag!.Tag.ShouldBe("\"1\"");
        read.Headers.ETag.IsWeak.ShouldBeTrue();

        (await alice.GetAsync($"/fhir/AuditEvent/{id}/_history/1")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await alice.GetAsync($"/fhir/AuditEvent/{id}/_history/2")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await AllAsync(alice, $"/fhir/AuditEvent/{id}/_history")).Select(e => e.Key).ShouldBe([$"AuditEvent/{id}"]);
        (await alice.GetAsync("/fhir/AuditEvent/no-such-event")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        // Withheld as missing from everyone else but an admin.
        using var bob = trail.As(AccessData.Bob);
        (await bob.GetAsync($"/fhir/AuditEvent/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await bob.GetAsync($"/fhir/AuditEvent/{id}/_history/1")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var admin = trail.As(AccessData.Admin);
        (await admin.GetAsync($"/fhir/AuditEvent/{id}/_history/1")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Given_the_trail_When_its_type_and_the_systems_history_are_paged_Then_each_reader_gets_what_they_may_read()
    {
        using var alice = trail.As(AccessData.Alice);
        var history = await AllAsync(alice, "/fhir/AuditEvent/_history?_count=10");
        history.Select(e => e.Key).ShouldBe(trail.Alices.Select(id => "AuditEvent/" + id), ignoreOrder: true);

        using var admin = trail.As(AccessData.Admin);
        (await AllAsync(admin, "/fhir/AuditEvent/_history?_count=10")).Count.ShouldBe(28);
        var system = await AllAsync(admin, "/fhir/_history?_count=50");
        system.Count(e => e.Key.StartsWith("AuditEvent/", StringComparison.Ordinal)).ShouldBe(28);

        using var bob = trail.As(AccessData.Bob);
        (await AllAsync(bob, "/fhir/_history?_count=50")).Where(e => e.Key.StartsWith("AuditEvent/", StringComparison.Ordinal))
            .Select(e => e.Key).ShouldBe(trail.Bobs.Select(id => "AuditEvent/" + id), ignoreOrder: true);
    }

    [Fact]
    public async Task Given_the_trail_When_Alice_includes_and_revincludes_Then_the_linked_resources_come_with_it()
    {
        using var alice = trail.As(AccessData.Alice);
        var included = await AllAsync(alice, "/fhir/AuditEvent?entity=Observation/v1&_include=AuditEvent:entity");
        included.Where(e => e.Mode == "match").Count().ShouldBe(4);
        included.Where(e => e.Mode == "include").Select(e => e.Key).ShouldBe(["Observation/v1", "Patient/pat"], ignoreOrder: true);

        var revIncluded = await AllAsync(alice, "/fhir/Observation?_id=v1,v2&_revinclude=AuditEvent:entity");
        revIncluded.Where(e => e.Mode == "match").Select(e => e.Key).ShouldBe(["Observation/v1", "Observation/v2"], ignoreOrder: true);
        revIncluded.Count(e => e.Mode == "include" && e.Key.StartsWith("AuditEvent/", StringComparison.Ordinal)).ShouldBe(8);

        // Bob's record's events name Alice as the agent; she does not get them by including either.
        (await AllAsync(alice, "/fhir/Patient?_id=pat&_revinclude=AuditEvent:agent")).Count(e => e.Mode == "include").ShouldBe(0);
    }

    [Fact]
    public async Task Given_the_trail_When_Alice_asks_for_everything_in_her_record_Then_the_trail_is_not_part_of_it()
    {
        using var alice = trail.As(AccessData.Alice);
        var everything = await AllAsync(alice, "/fhir/Patient/pat/$everything?_count=50");
        everything.ShouldNotBeEmpty();
        everything.ShouldNotContain(e => e.Key.StartsWith("AuditEvent/", StringComparison.Ordinal));
    }
}
