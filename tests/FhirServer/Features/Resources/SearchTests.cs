using System.Net;
using System.Text.Json;
using SeSPHR.FhirServer.Tests.Infrastructure;

namespace SeSPHR.FhirServer.Tests.Features.Resources;

/// <summary>Search semantics on a small, known data set: one patient with nine observations and one other patient.</summary>
public sealed class SearchTests(SearchTests.Data data) : IClassFixture<SearchTests.Data>
{
    public sealed class Data : IAsyncLifetime
    {
        // The production configuration: protected parameters (Patient.name, ...) are not offered.
        private readonly ProtectedFhirServerFixture _server = new();

        public HttpClient Client => _server.Client;

        public string PatientId { get; } = "sp-" + Guid.NewGuid().ToString("N")[..10];

        public string OtherId { get; } = "so-" + Guid.NewGuid().ToString("N")[..10];

        public async Task InitializeAsync()
        {
            await _server.InitializeAsync();
            await Put($$"""{"resourceType":"Patient","id":"{{PatientId}}","active":true}""");
            await Put($$"""{"resourceType":"Patient","id":"{{OtherId}}","active":false}""");
            // Nine heart rates, one a month in 2020, then one blood pressure for the other patient.
            for (var month = 1; month <= 9; month++)
            {
                await Put(Observation($"obs-{PatientId}-{month}", PatientId, "8867-4", $"2020-0{month}-15T10:00:00Z", month == 9 ? "amended" : "final"));
            }

            await Put(Observation($"obs-{OtherId}-1", OtherId, "85354-9", "2021-06-01T08:00:00Z", "final"));
        }

        public async Task DisposeAsync() => await _server.DisposeAsync();

        private async Task Put(string json)
        {
            using var document = JsonDocument.Parse(json);
            var type = document.RootElement.GetProperty("resourceType").GetString();
            var id = document.RootElement.GetProperty("id").GetString();
            var response = await Client.PutAsync($"/fhir/{type}/{id}", FhirHttp.Json(json));
            response.EnsureSuccessStatusCode();
        }

        private static string Observation(string id, string patient, string code, string when, string status) => $$"""
            {"resourceType":"Observation","id":"{{id}}","status":"{{status}}",
             "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
             "code":{"coding":[{"system":"http://loinc.org","code":"{{code}}"}]},
             "subject":{"reference":"Patient/{{patient}}"},
             "effectiveDateTime":"{{when}}"}
            """;
    }

    private async Task<JsonElement> SearchAsync(string query)
    {
        var response = await data.Client.GetAsync("/fhir/" + query);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = await response.BodyAsync();
        body.GetProperty("type").GetString().ShouldBe("searchset");
        return body;
    }

    private static List<string> Ids(JsonElement bundle, string mode = "match") =>
        bundle.TryGetProperty("entry", out var entries)
            ? entries.EnumerateArray()
                .Where(e => e.TryGetProperty("search", out var s) && s.GetProperty("mode").GetString() == mode)
                .Select(e => e.GetProperty("resource").GetProperty("id").GetString()!).ToList()
            : [];

    private string Mine => $"subject=Patient/{data.PatientId}";

    [Theory]
    [InlineData("code=http://loinc.org|8867-4", 9)]
    [InlineData("code=8867-4", 9)]
    [InlineData("code=http://snomed.info/sct|8867-4", 0)]
    [InlineData("code=|8867-4", 0)]
    [InlineData("code=http://loinc.org|", 9)]
    [InlineData("category=vital-signs", 9)]
    [InlineData("status=final", 8)]
    [InlineData("status=final,amended", 9)]
    [InlineData("status:not=final", 1)]
    [InlineData("code:missing=false", 9)]
    [InlineData("code:missing=true", 0)]
    public async Task Given_token_searches_Then_the_matching_observations_are_counted(string token, int expected)
    {
        var bundle = await SearchAsync($"Observation?{Mine}&{token}&_count=100");

        bundle.GetProperty("total").GetInt32().ShouldBe(expected);
        Ids(bundle).Count.ShouldBe(expected);
    }

    [Theory]
    [InlineData("date=2020-03", 1)]
    [InlineData("date=2020", 9)]
    [InlineData("date=ge2020-05-01", 5)]
    [InlineData("date=gt2020-05-15", 4)]
    [InlineData("date=lt2020-03-01", 2)]
    [InlineData("date=le2020-03-15", 3)]
    [InlineData("date=ne2020-03", 8)]
    [InlineData("date=sa2020-08-31", 1)]
    [InlineData("date=eb2020-02-01", 1)]
    [InlineData("date=ge2020-02-01&date=lt2020-04-01", 2)]
    [InlineData("date=2020-03-15T10:00:00Z", 1)]
    public async Task Given_date_searches_with_prefixes_and_precision_Then_ranges_compare_as_FHIR_says(string date, int expected)
    {
        var bundle = await SearchAsync($"Observation?{Mine}&{date}&_count=100");

        bundle.GetProperty("total").GetInt32().ShouldBe(expected);
    }

    [Theory]
    [InlineData("subject=Patient/{0}")]
    [InlineData("subject={0}")]
    [InlineData("subject:Patient={0}")]
    [InlineData("patient={0}")]
    [InlineData("subject=http://localhost/fhir/Patient/{0}")]
    public async Task Given_the_reference_forms_Then_each_finds_the_patients_observations(string form)
    {
        var bundle = await SearchAsync($"Observation?{string.Format(System.Globalization.CultureInfo.InvariantCulture, form, data.PatientId)}&_total=accurate");

        bundle.GetProperty("total").GetInt32().ShouldBe(9);
    }

    [Fact]
    public async Task Given_id_and_lastUpdated_Then_common_parameters_work()
    {
        (await SearchAsync($"Patient?_id={data.PatientId},{data.OtherId}")).GetProperty("total").GetInt32().ShouldBe(2);
        (await SearchAsync($"Observation?{Mine}&_lastUpdated=gt2000-01-01")).GetProperty("total").GetInt32().ShouldBe(9);
        (await SearchAsync($"Observation?{Mine}&_lastUpdated=lt2000-01-01")).GetProperty("total").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task Given_count_3_When_following_next_and_previous_Then_every_match_appears_once_and_back_again()
    {
        var seen = new List<string>();
        var pages = new List<JsonElement>();
        string? url = $"Observation?{Mine}&_count=3&_sort=date";
        while (url is not null)
        {
            var page = await SearchAsync(url);
            pages.Add(page);
            seen.AddRange(Ids(page));
            url = Link(page, "next");
        }

        seen.Count.ShouldBe(9);
        seen.Distinct().Count().ShouldBe(9);
        seen.ShouldBe(Enumerable.Range(1, 9).Select(m => $"obs-{data.PatientId}-{m}").ToList());
        pages.Count.ShouldBe(3);
        var previous = await SearchAsync(Link(pages[2], "previous")!);
        Ids(previous).ShouldBe(Ids(pages[1]));
        Link(pages[0], "previous").ShouldBeNull();
    }

    [Fact]
    public async Task Given_a_next_link_When_data_changes_before_it_is_followed_Then_the_page_is_unchanged()
    {
        var first = await SearchAsync($"Observation?{Mine}&_count=4&_sort=date");
        var next = Link(first, "next")!;
        var before = Ids(await SearchAsync(next));

        var late = $$"""{"resourceType":"Observation","id":"late-{{Guid.NewGuid():N}}","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"subject":{"reference":"Patient/{{data.PatientId}}"},"effectiveDateTime":"2020-01-20T00:00:00Z"}""";
        using var document = JsonDocument.Parse(late);
        var lateId = document.RootElement.GetProperty("id").GetString();
        (await data.Client.PutAsync($"/fhir/Observation/{lateId}", FhirHttp.Json(late))).EnsureSuccessStatusCode();
        try
        {
            Ids(await SearchAsync(next)).ShouldBe(before);
        }
        finally
        {
            await data.Client.DeleteAsync($"/fhir/Observation/{lateId}");
        }
    }

    [Fact]
    public async Task Given_sort_descending_by_date_Then_the_newest_comes_first()
    {
        var bundle = await SearchAsync($"Observation?{Mine}&_sort=-date&_count=2");

        Ids(bundle).ShouldBe([$"obs-{data.PatientId}-9", $"obs-{data.PatientId}-8"]);
    }

    [Fact]
    public async Task Given_include_and_revinclude_Then_the_linked_resources_come_as_includes()
    {
        var included = await SearchAsync($"Observation?{Mine}&_count=2&_include=Observation:subject");
        var revincluded = await SearchAsync($"Patient?_id={data.PatientId}&_revinclude=Observation:subject");

        Ids(included).Count.ShouldBe(2);
        Ids(included, "include").ShouldBe([data.PatientId]);
        Ids(revincluded).ShouldBe([data.PatientId]);
        Ids(revincluded, "include").Count.ShouldBe(9);
        revincluded.GetProperty("total").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task Given_patient_which_is_stored_as_subject_to_Patients_Then_missing_include_and_revinclude_read_those_rows()
    {
        (await SearchAsync($"Observation?{Mine}&patient:missing=false&_total=accurate")).GetProperty("total").GetInt32().ShouldBe(9);
        (await SearchAsync($"Observation?{Mine}&patient:missing=true&_total=accurate")).GetProperty("total").GetInt32().ShouldBe(0);

        var included = await SearchAsync($"Observation?{Mine}&_count=2&_include=Observation:patient");
        var revincluded = await SearchAsync($"Patient?_id={data.PatientId}&_revinclude=Observation:patient");

        Ids(included, "include").ShouldBe([data.PatientId]);
        Ids(revincluded, "include").Count.ShouldBe(9);
        Ids(await SearchAsync($"Observation?{Mine}&_count=2&_include=Observation:patient:Group"), "include").ShouldBeEmpty();
    }

    [Fact]
    public async Task Given_summary_count_Then_only_the_total_comes_back()
    {
        var bundle = await SearchAsync($"Observation?{Mine}&_summary=count");

        bundle.GetProperty("total").GetInt32().ShouldBe(9);
        bundle.TryGetProperty("entry", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task Given_elements_Then_entries_carry_only_those_elements_and_are_marked_subsetted()
    {
        var bundle = await SearchAsync($"Observation?{Mine}&_elements=status&_count=1");

        var resource = bundle.GetProperty("entry")[0].GetProperty("resource");
        resource.GetProperty("status").GetString().ShouldNotBeNull();
        resource.TryGetProperty("effectiveDateTime", out _).ShouldBeFalse();
        resource.GetProperty("meta").GetProperty("tag").EnumerateArray().ShouldContain(t => t.GetProperty("code").GetString() == "SUBSETTED");
    }

    [Fact]
    public async Task Given_total_none_Then_there_is_no_total()
    {
        (await SearchAsync($"Observation?{Mine}&_total=none")).TryGetProperty("total", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task Given_a_protected_or_unknown_parameter_When_lenient_Then_it_is_ignored_and_reported_in_an_outcome_entry()
    {
        var bundle = await SearchAsync($"Patient?_id={data.PatientId}&name=anything&family=x");

        Ids(bundle).ShouldBe([data.PatientId]);
        var outcome = bundle.GetProperty("entry").EnumerateArray().Single(e => e.GetProperty("search").GetProperty("mode").GetString() == "outcome");
        outcome.GetProperty("resource").GetProperty("issue").GetArrayLength().ShouldBe(2);
    }

    [Fact]
    public async Task Given_a_protected_or_unknown_parameter_When_strict_Then_400()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/fhir/Patient?name=anything");
        request.Headers.Add("Prefer", "handling=strict");

        var response = await data.Client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.BodyAsync()).GetProperty("issue")[0].GetProperty("expression")[0].GetString().ShouldBe("name");
    }

    [Theory]
    [InlineData("Observation?date=notadate")]
    [InlineData("Observation?date=xx2020")]
    [InlineData("Observation?_count=many")]
    [InlineData("Observation?code:missing=maybe")]
    [InlineData("Observation?_cursor=garbage")]
    [InlineData("Observation?subject=a%20b")]
    public async Task Given_malformed_search_values_Then_400_never_500(string query)
    {
        var response = await data.Client.GetAsync("/fhir/" + query);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        await response.OutcomeCodeAsync();
    }

    [Fact]
    public async Task Given_post_search_Then_form_parameters_search_like_get()
    {
        var response = await data.Client.PostAsync("/fhir/Observation/_search",
            new FormUrlEncodedContent([new("subject", $"Patient/{data.PatientId}"), new("status", "amended")]));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.BodyAsync()).GetProperty("total").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task Given_a_deleted_resource_Then_search_no_longer_finds_it()
    {
        var id = "del-" + Guid.NewGuid().ToString("N")[..8];
        (await data.Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json($$"""{"resourceType":"Patient","id":"{{id}}"}"""))).EnsureSuccessStatusCode();
        (await SearchAsync($"Patient?_id={id}")).GetProperty("total").GetInt32().ShouldBe(1);

        await data.Client.DeleteAsync($"/fhir/Patient/{id}");

        (await SearchAsync($"Patient?_id={id}")).GetProperty("total").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task Given_if_none_exist_When_one_matches_Then_nothing_is_created()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/fhir/Patient") { Content = FhirHttp.Json("""{"resourceType":"Patient","active":true}""") };
        request.Headers.Add("If-None-Exist", $"_id={data.PatientId}");

        var response = await data.Client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.BodyAsync()).GetProperty("id").GetString().ShouldBe(data.PatientId);
    }

    [Fact]
    public async Task Given_if_none_exist_When_several_match_Then_412()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/fhir/Patient") { Content = FhirHttp.Json("""{"resourceType":"Patient","active":true}""") };
        request.Headers.Add("If-None-Exist", $"_id={data.PatientId},{data.OtherId}");

        var response = await data.Client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.PreconditionFailed, await response.Content.ReadAsStringAsync());
    }

    private static string? Link(JsonElement bundle, string relation) =>
        bundle.GetProperty("link").EnumerateArray()
            .Where(l => l.GetProperty("relation").GetString() == relation)
            .Select(l => new Uri(l.GetProperty("url").GetString()!).PathAndQuery["/fhir/".Length..])
            .FirstOrDefault();
}
