using System.Net;

namespace SeSPHR.FhirServer.Tests.Features.Access.Enforcement;

/// <summary>
/// What each kind of caller sees of two records, page by page (three per page, withheld rows
/// interleaved with permitted ones): totals, next links, includes and every history level never show
/// or count a withheld resource.
/// </summary>
public sealed class VisibilityTests(AccessData data) : IClassFixture<AccessData>
{
    private static readonly string[] LiveVitals = ["v1", "v2", "v3", "v4", "v5", "v6"];
    private static readonly string[] LiveLabs = ["m1", "m2", "m3", "m4", "m5"];

    public static TheoryData<string, string[]> ObservationsByCaller => new()
    {
        { "alice", [.. LiveVitals, .. LiveLabs] },
        { "bob", ["o1", "o2", "o3"] },
        { "doctor", [.. LiveVitals, "m1", "m3", "m4", "m5"] },
        { "family", LiveVitals },
        { "insurer", [] },
        { "pharmacist", [] },
    };

    [Theory]
    [MemberData(nameof(ObservationsByCaller))]
    public async Task Search_pages_and_totals_count_only_what_the_caller_may_read(string caller, string[] expected)
    {
        using var client = data.As(AccessData.UserNamed(caller));
        var (entries, totals, pages) = await AccessData.AllPagesAsync(client, "/fhir/Observation?_count=3&_total=accurate");
        entries.Select(e => e.Key).Order().ShouldBe(expected.Select(id => "Observation/" + id).Order());
        totals.ShouldAllBe(t => t == expected.Length);
        pages.ShouldBe(Math.Max(1, (expected.Length + 2) / 3));
    }

    [Theory]
    [MemberData(nameof(ObservationsByCaller))]
    public async Task Includes_add_only_readable_patients(string caller, string[] expected)
    {
        using var client = data.As(AccessData.UserNamed(caller));
        var (entries, _, _) = await AccessData.AllPagesAsync(client, "/fhir/Observation?_count=3&_include=Observation:subject");
        entries.Where(e => e.Mode == "match").Select(e => e.Key).Distinct().Order().ShouldBe(expected.Select(id => "Observation/" + id).Order());
        var included = entries.Where(e => e.Mode == "include").Select(e => e.Key).Distinct().ToList();
        var owner = caller == "bob" ? "Patient/other" : "Patient/pat";
        included.ShouldBe(expected.Length == 0 ? [] : [owner]);
    }

    [Theory]
    [InlineData("alice", true, new[] { "v1", "v2", "v3", "v4", "v5", "v6", "m1", "m2", "m3", "m4", "m5" })]
    [InlineData("family", true, new[] { "v1", "v2", "v3", "v4", "v5", "v6" })]
    [InlineData("insurer", true, new string[0])]
    [InlineData("pharmacist", false, new string[0])]
    [InlineData("bob", false, new string[0])]
    public async Task Revincludes_add_only_readable_resources(string caller, bool seesPatient, string[] observations)
    {
        using var client = data.As(AccessData.UserNamed(caller));
        var (entries, totals, _) = await AccessData.AllPagesAsync(client, "/fhir/Patient?_id=pat&_total=accurate&_revinclude=Observation:subject");
        entries.Where(e => e.Mode == "match").Select(e => e.Key).ShouldBe(seesPatient ? ["Patient/pat"] : []);
        totals[0].ShouldBe(seesPatient ? 1 : 0);
        entries.Where(e => e.Mode == "include").Select(e => e.Key).Order().ShouldBe(observations.Select(id => "Observation/" + id).Order());
    }

    [Theory]
    [MemberData(nameof(ObservationsByCaller))]
    public async Task Type_history_shows_only_versions_of_readable_resources(string caller, string[] expected)
    {
        using var client = data.As(AccessData.UserNamed(caller));
        var (entries, _, _) = await AccessData.AllPagesAsync(client, "/fhir/Observation/_history?_count=3");
        var keys = entries.Select(e => HistoryKey(e.Entry)).ToList();
        var allowed = expected.Select(id => "Observation/" + id).ToHashSet();
        // Deleted ones keep their history: v7 for whoever reads vitals, m6 for whoever reads labs.
        if (allowed.Contains("Observation/v1") && caller != "bob")
        {
            allowed.Add("Observation/v7");
        }

        if (allowed.Contains("Observation/m1"))
        {
            allowed.Add("Observation/m6");
        }

        keys.Distinct().Order().ShouldBe(allowed.Order());
    }

    [Theory]
    [InlineData("family", "Observation/v1", 2)]
    [InlineData("family", "Observation/m1", 0)]
    [InlineData("doctor", "Observation/m2", 0)]
    [InlineData("doctor", "Observation/m1", 2)]
    [InlineData("pharmacist", "Observation/v1", 0)]
    [InlineData("alice", "Observation/v7", 2)]
    [InlineData("family", "Observation/v7", 2)]
    [InlineData("insurer", "Observation/m6", 0)]
    public async Task Instance_history_shows_nothing_of_a_withheld_resource(string caller, string resource, int versions)
    {
        using var client = data.As(AccessData.UserNamed(caller));
        var (entries, _, _) = await AccessData.AllPagesAsync(client, $"/fhir/{resource}/_history?_count=1");
        entries.Count.ShouldBe(versions);
    }

    [Theory]
    [InlineData("family")]
    [InlineData("doctor")]
    [InlineData("insurer")]
    [InlineData("pharmacist")]
    [InlineData("bob")]
    public async Task System_history_never_shows_a_withheld_resource(string caller)
    {
        using var client = data.As(AccessData.UserNamed(caller));
        var (entries, _, _) = await AccessData.AllPagesAsync(client, "/fhir/_history?_count=4");
        var keys = entries.Select(e => HistoryKey(e.Entry)).Distinct().ToList();
        var readable = await ReadableKeysAsync(client);
        keys.ShouldAllBe(key => readable.Contains(key));
        // And what the caller may read shows up (the tombstones aside, which read as gone).
        readable.Where(k => data.Written.Contains(k)).ShouldAllBe(k => keys.Contains(k));
    }

    [Theory]
    [InlineData("family", "Observation/m1")]
    [InlineData("family", "Condition/c1")]
    [InlineData("doctor", "Observation/m2")]
    [InlineData("doctor", "Coverage/cov1")]
    [InlineData("insurer", "Observation/v1")]
    [InlineData("pharmacist", "Patient/pat")]
    [InlineData("bob", "Patient/pat")]
    [InlineData("alice", "Observation/o1")]
    [InlineData("pharmacist", "Consent/c-doc")]
    [InlineData("family", "Consent/c-doc")]
    public async Task Read_and_vread_of_a_withheld_resource_answer_as_a_missing_one(string caller, string key)
    {
        using var client = data.As(AccessData.UserNamed(caller));
        var type = key.Split('/')[0];
        var withheld = await client.GetAsync($"/fhir/{key}");
        var missing = await client.GetAsync($"/fhir/{type}/no-such-id");
        withheld.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var expectedText = (await missing.Content.ReadAsStringAsync()).Replace("no-such-id", key.Split('/')[1], StringComparison.Ordinal);
        (await withheld.Content.ReadAsStringAsync()).ShouldBe(expectedText);

        var version = await client.GetAsync($"/fhir/{key}/_history/1");
        version.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var missingVersion = await client.GetAsync($"/fhir/{type}/no-such-id/_history/1");
        (await version.Content.ReadAsStringAsync()).ShouldBe((await missingVersion.Content.ReadAsStringAsync()).Replace("no-such-id", key.Split('/')[1], StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("alice", "Consent/c-doc", true)]
    [InlineData("doctor", "Consent/c-doc", true)]
    [InlineData("family", "Consent/c-fam", true)]
    [InlineData("insurer", "Consent/c-ins", true)]
    [InlineData("stranger", "Consent/c-ins", false)]
    [InlineData("doctor", "Observation/m1", true)]
    [InlineData("family", "Patient/pat", true)]
    [InlineData("insurer", "Coverage/cov2", true)]
    [InlineData("pharmacist", "Practitioner/none", false)]
    public async Task Reads_follow_the_same_rules(string caller, string key, bool visible)
    {
        using var client = data.As(AccessData.UserNamed(caller));
        (await client.GetAsync($"/fhir/{key}")).StatusCode.ShouldBe(visible ? HttpStatusCode.OK : HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Everything_of_a_record_counts_only_what_the_caller_may_read()
    {
        using var family = data.As(AccessData.Family);
        var (entries, totals, _) = await AccessData.AllPagesAsync(family, "/fhir/Patient/pat/$everything?_count=3");
        // The record as the family member may see it: the Patient, the vitals and the Consent naming them.
        entries.Select(e => e.Key).Order().ShouldBe(new[] { "Patient/pat", "Consent/c-fam" }.Concat(LiveVitals.Select(v => "Observation/" + v)).Order());
        totals.ShouldAllBe(t => t == 8);

        using var pharmacist = data.As(AccessData.Pharmacist);
        (await pharmacist.GetAsync("/fhir/Patient/pat/$everything")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Patient_scopes_limit_a_caller_to_their_own_record_and_types()
    {
        var token = data.Issuer.Mint(AccessData.Doctor.Subject, AccessData.Doctor.Role, AccessData.Doctor.FhirUser, "patient/*.rs", AccessData.Doctor.KeyFingerprint);
        using var doctor = data.Client(token);
        var (entries, _, _) = await AccessData.AllPagesAsync(doctor, "/fhir/Observation?_count=50");
        entries.ShouldBeEmpty();

        var conditionsOnly = data.Issuer.Mint(AccessData.Alice.Subject, AccessData.Alice.Role, AccessData.Alice.FhirUser, "patient/Condition.rs", AccessData.Alice.KeyFingerprint);
        using var alice = data.Client(conditionsOnly);
        (await AccessData.AllPagesAsync(alice, "/fhir/Observation?_count=50")).Entries.ShouldBeEmpty();
        (await AccessData.AllPagesAsync(alice, "/fhir/Condition?_count=50")).Entries.Count.ShouldBe(3);
    }

    private static string HistoryKey(System.Text.Json.JsonElement entry)
    {
        var url = entry.GetProperty("fullUrl").GetString()!;
        var parts = url.Split('/');
        return $"{parts[^2]}/{parts[^1]}";
    }

    /// <summary>What the caller may read, by reading every resource written one by one (deleted ones count when their history is visible).</summary>
    private async Task<HashSet<string>> ReadableKeysAsync(HttpClient client)
    {
        var readable = new HashSet<string>();
        foreach (var key in data.Written)
        {
            var response = await client.GetAsync($"/fhir/{key}/_history/1");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                readable.Add(key);
            }
        }

        return readable;
    }
}
