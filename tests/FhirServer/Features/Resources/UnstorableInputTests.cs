using System.Net;
using System.Text;
using SeSPHR.FhirServer.Tests.Infrastructure;
using static SeSPHR.FhirServer.Tests.Features.Bundles.BundleTestSupport;

namespace SeSPHR.FhirServer.Tests.Features.Resources;

/// <summary>
/// Text PostgreSQL cannot hold (NUL, a lone UTF-16 surrogate) and dates at the ends of the
/// calendar are the client's mistake: each gets a 400 with an OperationOutcome, never a 500, and
/// in a batch only the entry that carries it fails.
/// </summary>
public sealed class UnstorableInputTests(PlainFhirServerFixture server) : IClassFixture<PlainFhirServerFixture>
{
    private HttpClient Client => server.Client;

    /// <summary>JSON string contents (already escaped) that no PostgreSQL text or jsonb value can hold.</summary>
    public static TheoryData<string> NulJsonText => new() { @"Love\u0000lace", @"\u0000", @"\u0000\u0000" };

    public static TheoryData<string> LoneSurrogateJsonText => new() { @"Love\ud800lace", @"\udc00", @"x\udbff" };

    /// <summary>Query-string values (percent-encoded) that decode to text PostgreSQL cannot hold.</summary>
    public static TheoryData<string> UnstorableQueryValues => new() { "Love%00lace", "%00", "a%00%00b" };

    public static TheoryData<string> CalendarEdges => new()
    {
        "9999", "9999-12", "9999-12-31", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59.999+14:00", "9999-12-31T23:59:59.999-14:00",
        "0001", "0001-01-01", "0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00-14:00",
        "2020-01-01T00:00:00.123456789012345678Z", "gt9999-12-31", "le9999", "sa9999-12-31T23:59:59.9999999Z", "eb0001", "ap9999", "ne0001-01-01",
    };

    public static TheoryData<string> NotDates => new() { "0000", "10000-01-01", "2020-13-01", "2020-02-30", "2020-01-01T25:00:00Z", "2020-01-01T10:00:00+15:00", "99999999999999999999" };

    [Theory]
    [MemberData(nameof(NulJsonText))]
    public async Task Given_a_resource_with_a_nul_in_a_string_When_created_or_updated_Then_400_naming_the_element(string text)
    {
        var body = $$"""{"resourceType":"Patient","name":[{"family":"{{text}}"}]}""";

        var created = await Client.PostAsync("/fhir/Patient", FhirHttp.Json(body));
        var updated = await Client.PutAsync("/fhir/Patient/nul-update", FhirHttp.Json(body.Replace("{\"resourceType\":\"Patient\"", "{\"resourceType\":\"Patient\",\"id\":\"nul-update\"", StringComparison.Ordinal)));

        foreach (var response in new[] { created, updated })
        {
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, await response.Content.ReadAsStringAsync());
            (await response.OutcomeCodeAsync()).ShouldBe("invalid");
            var outcome = await response.Content.ReadAsStringAsync();
            outcome.ShouldContain("Patient.name[0].family");
            outcome.ShouldNotContain("Love");
        }

        (await Client.GetAsync("/fhir/Patient/nul-update")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Theory]
    [MemberData(nameof(LoneSurrogateJsonText))]
    public async Task Given_a_resource_with_a_lone_surrogate_When_created_Then_400_without_the_text(string text)
    {
        var response = await Client.PostAsync("/fhir/Patient", FhirHttp.Json($$"""{"resourceType":"Patient","name":[{"family":"{{text}}"}]}"""));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.OutcomeCodeAsync()).ShouldBeOneOf("invalid", "structure");
        (await response.Content.ReadAsStringAsync()).ShouldNotContain("Love");
    }

    [Fact]
    public async Task Given_an_xml_resource_with_a_nul_character_reference_When_created_Then_400_not_500()
    {
        var xml = """<Patient xmlns="http://hl7.org/fhir"><name><family value="Love&#0;lace"/></name></Patient>""";

        var response = await Client.PostAsync("/fhir/Patient", new StringContent(xml, Encoding.UTF8, "application/fhir+xml"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Given_a_nul_in_an_id_extension_url_and_meta_When_created_Then_400()
    {
        foreach (var body in new[]
        {
            """{"resourceType":"Patient","extension":[{"url":"http://x/\u0000","valueString":"a"}]}""",
            """{"resourceType":"Patient","meta":{"tag":[{"system":"http://x","code":"a\u0000"}]}}""",
            """{"resourceType":"Patient","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">a\u0000</div>"}}""",
            """{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueString":"\ud800"}""",
        })
        {
            var type = body.Contains("Observation", StringComparison.Ordinal) ? "Observation" : "Patient";
            var response = await Client.PostAsync($"/fhir/{type}", FhirHttp.Json(body));
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, body);
        }
    }

    [Theory]
    [MemberData(nameof(UnstorableQueryValues))]
    public async Task Given_a_search_value_postgres_cannot_hold_When_searched_Then_400_with_an_outcome(string value)
    {
        foreach (var query in new[] { $"Patient?family={value}", $"Patient?name:contains={value}", $"Patient?identifier=http://x|{value}", $"Observation?subject=Patient/{value}", $"Patient?_id={value}", $"Patient?{value}=1", $"Patient?_sort={value}", $"Patient?_include=Patient:{value}" })
        {
            var response = await Client.GetAsync($"/fhir/{query}");

            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, query);
            (await response.OutcomeCodeAsync()).ShouldBe("invalid");
        }
    }

    [Theory]
    [InlineData("family=Love%00lace")]
    [InlineData("a%00b=1")]
    public async Task Given_a_form_search_body_with_text_postgres_cannot_hold_When_posted_Then_400_with_an_outcome(string form)
    {
        var response = await Client.PostAsync("/fhir/Patient/_search", new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, form);
        (await response.OutcomeCodeAsync()).ShouldBe("invalid");
    }

    [Theory]
    [MemberData(nameof(UnstorableQueryValues))]
    public async Task Given_conditional_criteria_postgres_cannot_hold_When_used_Then_4xx_never_500(string value)
    {
        var responses = new List<(string, HttpResponseMessage)>
        {
            ("conditional delete", await Client.DeleteAsync($"/fhir/Patient?family={value}")),
            ("conditional update", await Client.PutAsync($"/fhir/Patient?family={value}", FhirHttp.Json("""{"resourceType":"Patient"}"""))),
        };
        using var conditionalCreate = new HttpRequestMessage(HttpMethod.Post, "/fhir/Patient") { Content = FhirHttp.Json("""{"resourceType":"Patient"}""") };
        conditionalCreate.Headers.TryAddWithoutValidation("If-None-Exist", $"family={value}");
        responses.Add(("conditional create", await Client.SendAsync(conditionalCreate)));

        foreach (var (what, response) in responses)
        {
            ((int)response.StatusCode).ShouldBeInRange(400, 499, what);
            (response.Content.Headers.ContentType?.MediaType).ShouldBe("application/fhir+json", what);
        }
    }

    [Fact]
    public async Task Given_a_batch_with_one_entry_postgres_cannot_hold_When_posted_Then_only_that_entry_fails()
    {
        var entries = await Client.PostBundleOkAsync(Bundle("batch",
            Post(null, """{"resourceType":"Patient","name":[{"family":"Good"}]}"""),
            Post(null, """{"resourceType":"Patient","name":[{"family":"Bad\u0000"}]}"""),
            Get("Patient?family=Bad%00"),
            """{"resource":{"resourceType":"Patient","id":"batch-nul","name":[{"family":"\u0000"}]},"request":{"method":"PUT","url":"Patient/batch-nul"}}""",
            Post(null, """{"resourceType":"Observation","status":"final","code":{"text":"x"},"effectiveDateTime":"9999-12-31T23:59:59Z"}"""),
            Get("Observation?date=le9999-12-31"),
            """{"request":{"method":"GET","url":"Patient/a\u0000b"}}""",
            """{"request":{"method":"DELETE","url":"Patient?family=\u0000"}}""",
            """{"request":{"method":"GET","url":"Patient/x/_history/\u0000"}}""",
            Get("Observation?date=gt9999-12-31T23:59:59.999%2B14:00")),
            "batch-response");

        entries.Select(e => e.Status()).ShouldBe(["201 Created", "400 Bad Request", "400 Bad Request", "400 Bad Request", "201 Created", "200 OK", "400 Bad Request", "400 Bad Request", "400 Bad Request", "200 OK"]);
        (await Client.GetAsync("/fhir/Patient/batch-nul")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Given_a_transaction_with_one_entry_postgres_cannot_hold_When_posted_Then_400_and_nothing_is_stored()
    {
        var response = await Client.PostBundleAsync(Bundle("transaction",
            Put(null, """{"resourceType":"Patient","id":"tx-good","name":[{"family":"Good"}]}"""),
            Put(null, """{"resourceType":"Patient","id":"tx-bad","name":[{"family":"Bad\u0000"}]}""")));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, await response.Content.ReadAsStringAsync());
        (await response.OutcomeCodeAsync()).ShouldBe("invalid");
        (await Client.GetAsync("/fhir/Patient/tx-good")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Theory]
    [MemberData(nameof(CalendarEdges))]
    public async Task Given_a_date_at_the_ends_of_the_calendar_When_searched_Then_200(string value)
    {
        foreach (var query in new[] { $"Observation?date={Uri.EscapeDataString(value)}", $"Patient?_lastUpdated={Uri.EscapeDataString(value)}", $"Patient?birthdate={Uri.EscapeDataString(value)}" })
        {
            var response = await Client.GetAsync($"/fhir/{query}&_total=accurate");

            response.StatusCode.ShouldBe(HttpStatusCode.OK, $"{query}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Theory]
    [MemberData(nameof(NotDates))]
    public async Task Given_a_date_outside_the_calendar_When_searched_Then_400_with_an_outcome(string value)
    {
        var response = await Client.GetAsync($"/fhir/Observation?date={Uri.EscapeDataString(value)}");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.OutcomeCodeAsync()).ShouldBe("invalid");
    }

    [Fact]
    public async Task Given_stored_dates_at_the_ends_of_the_calendar_When_written_Then_they_are_stored_and_found()
    {
        var late = await Client.PostAsync("/fhir/Observation", FhirHttp.Json(
            """{"resourceType":"Observation","status":"final","code":{"text":"edge-late"},"effectivePeriod":{"start":"9999-12-31T23:59:59.999+14:00","end":"9999"}}"""));
        var early = await Client.PostAsync("/fhir/Observation", FhirHttp.Json(
            """{"resourceType":"Observation","status":"final","code":{"text":"edge-early"},"effectiveDateTime":"0001-01-01","issued":"9999-12-31T23:59:59.9999999Z"}"""));
        var patient = await Client.PostAsync("/fhir/Patient", FhirHttp.Json("""{"resourceType":"Patient","birthDate":"9999-12-31","deceasedDateTime":"9999"}"""));

        late.StatusCode.ShouldBe(HttpStatusCode.Created, await late.Content.ReadAsStringAsync());
        early.StatusCode.ShouldBe(HttpStatusCode.Created, await early.Content.ReadAsStringAsync());
        patient.StatusCode.ShouldBe(HttpStatusCode.Created, await patient.Content.ReadAsStringAsync());
        var found = await (await Client.GetAsync("/fhir/Observation?date=ge9999-12-31&_summary=count")).BodyAsync();
        found.GetProperty("total").GetInt32().ShouldBeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task Given_a_searchable_string_too_long_to_index_When_created_alone_or_in_a_batch_Then_4xx_or_stored_never_500()
    {
        var random = new Random(8);
        var family = new string([.. Enumerable.Range(0, 12000).Select(_ => (char)random.Next('!', '~'))]).Replace("\\", "/", StringComparison.Ordinal).Replace("\"", "'", StringComparison.Ordinal);
        var patient = $$"""{"resourceType":"Patient","name":[{"family":"{{family}}"}]}""";

        var alone = await Client.PostAsync("/fhir/Patient", FhirHttp.Json(patient));
        var entries = await Client.PostBundleOkAsync(Bundle("batch", Post(null, patient), Post(null, """{"resourceType":"Patient","active":true}""")), "batch-response");

        ((int)alone.StatusCode).ShouldBeLessThan(500, await alone.Content.ReadAsStringAsync());
        entries[0].Status().ShouldNotStartWith("5");
        entries[1].Status().ShouldBe("201 Created");
    }
}
