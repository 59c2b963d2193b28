using System.Net;
using System.Text.Json;
using SeSPHR.FhirServer.Tests.Infrastructure;

namespace SeSPHR.FhirServer.Tests.Features.Operations;

public sealed class PatientEverythingTests(FhirServerFixture server) : IClassFixture<FhirServerFixture>
{
    private HttpClient Client => server.Client;

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";

    private async Task PutAsync(string type, string id, string json)
    {
        var body = json.Replace("\"ID\"", $"\"{id}\"", StringComparison.Ordinal);
        var response = await Client.PutAsync($"/fhir/{type}/{id}", FhirHttp.Json(body));
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    private static string Observation(string patient, string status = "final") => $$$"""
        {"resourceType":"Observation","id":"ID","status":"{{{status}}}","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},
         "subject":{"reference":"Patient/{{{patient}}}"}}
        """;

    private static string Consent(string patient, string practitioner, string? organization) => $$$"""
        {"resourceType":"Consent","id":"ID","status":"active",
         "scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},
         "category":[{"coding":[{"system":"http://loinc.org","code":"59284-0"}]}],
         "patient":{"reference":"Patient/{{{patient}}}"},
         {{{(organization is null ? "" : $"\"organization\":[{{\"reference\":\"Organization/{organization}\"}}],")}}}
         "provision":{"type":"permit","actor":[{"role":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ParticipationType","code":"PRCP"}]},
                                                 "reference":{"reference":"Practitioner/{{{practitioner}}}"}}]}}
        """;

    /// <summary>Two patients' records, a shared directory, and what A's $everything must return.</summary>
    private async Task<(string Patient, string Other, HashSet<string> Expected)> RecordsAsync()
    {
        var a = NewId("pa");
        var b = NewId("pb");
        var (pr1, pr2, pr3, org) = (NewId("pr"), NewId("pr"), NewId("pr"), NewId("org"));
        await PutAsync("Patient", a, """{"resourceType":"Patient","id":"ID","active":true}""");
        await PutAsync("Patient", b, """{"resourceType":"Patient","id":"ID","active":true}""");
        foreach (var practitioner in new[] { pr1, pr2, pr3 })
        {
            await PutAsync("Practitioner", practitioner, """{"resourceType":"Practitioner","id":"ID","active":true}""");
        }

        await PutAsync("Organization", org, """{"resourceType":"Organization","id":"ID","active":true}""");

        var expected = new HashSet<string> { $"Patient/{a}", $"Practitioner/{pr1}", $"Organization/{org}" };
        for (var i = 0; i < 4; i++)
        {
            var id = NewId("obs");
            await PutAsync("Observation", id, Observation(a));
            expected.Add($"Observation/{id}");
        }

        var deleted = NewId("obs");
        await PutAsync("Observation", deleted, Observation(a));
        (await Client.DeleteAsync($"/fhir/Observation/{deleted}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var condition = NewId("cond");
        await PutAsync("Condition", condition, $$$"""{"resourceType":"Condition","id":"ID","subject":{"reference":"Patient/{{{a}}}"}}""");
        var encounter = NewId("enc");
        await PutAsync("Encounter", encounter, $$$"""{"resourceType":"Encounter","id":"ID","status":"finished","class":{"code":"AMB"},"subject":{"reference":"Patient/{{{a}}}"}}""");
        var consent = NewId("con");
        await PutAsync("Consent", consent, Consent(a, pr1, org));
        expected.UnionWith([$"Condition/{condition}", $"Encounter/{encounter}", $"Consent/{consent}"]);

        // The other patient's record, and its own practitioner, must not show up.
        await PutAsync("Observation", NewId("obs"), Observation(b));
        await PutAsync("Consent", NewId("con"), Consent(b, pr2, organization: null));
        return (a, b, expected);
    }

    private static List<string> Ids(JsonElement bundle) =>
        bundle.TryGetProperty("entry", out var entries)
            ? entries.EnumerateArray().Select(e => $"{e.GetProperty("resource").GetProperty("resourceType").GetString()}/{e.GetProperty("resource").GetProperty("id").GetString()}").ToList()
            : [];

    private static string? Link(JsonElement bundle, string relation) =>
        bundle.GetProperty("link").EnumerateArray().Where(l => l.GetProperty("relation").GetString() == relation)
            .Select(l => l.GetProperty("url").GetString()).FirstOrDefault();

    private async Task<JsonElement> GetAsync(string url)
    {
        var response = await Client.GetAsync(url);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.BodyAsync();
    }

    [Fact]
    public async Task Given_two_patients_When_everything_of_one_is_requested_Then_exactly_its_record_and_the_directory_it_references()
    {
        var (patient, _, expected) = await RecordsAsync();

        var bundle = await GetAsync($"/fhir/Patient/{patient}/$everything?_count=100");

        bundle.GetProperty("type").GetString().ShouldBe("searchset");
        var ids = Ids(bundle);
        ids.ShouldBe(expected, ignoreOrder: true);
        ids[0].ShouldBe($"Patient/{patient}");
        bundle.GetProperty("total").GetInt64().ShouldBe(expected.Count);
        foreach (var entry in bundle.GetProperty("entry").EnumerateArray())
        {
            var type = entry.GetProperty("resource").GetProperty("resourceType").GetString();
            entry.GetProperty("search").GetProperty("mode").GetString().ShouldBe(type is "Practitioner" or "Organization" ? "include" : "match");
            entry.GetProperty("fullUrl").GetString()!.ShouldEndWith($"/{type}/{entry.GetProperty("resource").GetProperty("id").GetString()}");
        }
    }

    [Fact]
    public async Task Given_a_small_count_When_following_next_links_Then_every_resource_comes_once_and_previous_goes_back()
    {
        var (patient, _, expected) = await RecordsAsync();

        var first = await GetAsync($"/fhir/Patient/{patient}/$everything?_count=3");
        var seen = Ids(first);
        var page = first;
        var pages = 1;
        while (Link(page, "next") is { } next)
        {
            // Written after the first page: the snapshot in the links keeps it out of later pages.
            if (pages == 1)
            {
                await PutAsync("Observation", NewId("late"), Observation(patient));
            }

            page = await GetAsync(new Uri(next).PathAndQuery);
            Ids(page).Count.ShouldBeLessThanOrEqualTo(3);
            seen.AddRange(Ids(page));
            pages++;
        }

        seen.ShouldBe(expected, ignoreOrder: true);
        pages.ShouldBe((expected.Count + 2) / 3);
        Link(first, "previous").ShouldBeNull();
        var second = await GetAsync(new Uri(Link(first, "next")!).PathAndQuery);
        var back = await GetAsync(new Uri(Link(second, "previous")!).PathAndQuery);
        Ids(back).ShouldBe(Ids(first));
    }

    [Fact]
    public async Task Given_type_and_since_When_everything_is_requested_Then_only_matching_resources_come()
    {
        var (patient, _, expected) = await RecordsAsync();
        var observations = expected.Where(id => id.StartsWith("Observation/", StringComparison.Ordinal)).ToList();

        var typed = await GetAsync($"/fhir/Patient/{patient}/$everything?_type=Observation,Condition&_count=100");
        Ids(typed).ShouldBe(expected.Where(id => id.StartsWith("Observation/", StringComparison.Ordinal) || id.StartsWith("Condition/", StringComparison.Ordinal)), ignoreOrder: true);

        await Task.Delay(20);
        var since = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);
        await Task.Delay(20);
        var changed = observations[0].Split('/')[1];
        await PutAsync("Observation", NewId("obs-new"), Observation(patient));
        (await Client.PutAsync($"/fhir/Observation/{changed}", FhirHttp.Json(Observation(patient, "amended").Replace("\"ID\"", $"\"{changed}\"", StringComparison.Ordinal))))
            .StatusCode.ShouldBe(HttpStatusCode.OK);

        var recent = await GetAsync($"/fhir/Patient/{patient}/$everything?_since={Uri.EscapeDataString(since)}");
        Ids(recent).Count.ShouldBe(2);
        Ids(recent).ShouldContain(observations[0]);
    }

    [Fact]
    public async Task Given_an_unknown_or_deleted_patient_When_everything_is_requested_Then_404_or_410()
    {
        var id = NewId("gone");
        await PutAsync("Patient", id, """{"resourceType":"Patient","id":"ID","active":true}""");
        await Client.DeleteAsync($"/fhir/Patient/{id}");

        (await Client.GetAsync("/fhir/Patient/never-was/$everything")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Client.GetAsync($"/fhir/Patient/{id}/$everything")).StatusCode.ShouldBe(HttpStatusCode.Gone);
    }

    [Fact]
    public async Task Given_a_type_without_everything_or_an_unsupported_parameter_When_requested_Then_refused()
    {
        var (patient, _, _) = await RecordsAsync();

        (await Client.GetAsync("/fhir/Observation/x/$everything")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Client.GetAsync($"/fhir/Patient/{patient}/$everything?start=2020-01-01")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await Client.GetAsync($"/fhir/Patient/{patient}/$everything?_type=Nonsense")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await Client.GetAsync($"/fhir/Patient/{patient}/$everything?_count=0")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }
}
