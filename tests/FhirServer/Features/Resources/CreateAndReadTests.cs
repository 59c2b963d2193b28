using System.Net;
using System.Net.Http.Headers;
using System.Text;
using SeSPHR.FhirServer.Tests.Infrastructure;

namespace SeSPHR.FhirServer.Tests.Features.Resources;

public sealed class CreateAndReadTests(FhirServerFixture server) : IClassFixture<FhirServerFixture>
{
    private const string PatientJson = """
        {"resourceType":"Patient","id":"client-chosen","name":[{"family":"Lovelace","given":["Ada"]}],"birthDate":"1815-12-10"}
        """;

    private HttpClient Client => server.Client;

    [Fact]
    public async Task Given_a_patient_When_posted_Then_201_with_server_id_location_etag_and_version_1()
    {
        var response = await Client.PostAsync("/fhir/Patient", FhirHttp.Json(PatientJson));

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var body = await response.BodyAsync();
        var id = body.GetProperty("id").GetString()!;
        id.ShouldNotBe("client-chosen");
        response.Headers.Location!.ToString().ShouldEndWith($"/fhir/Patient/{id}/_history/1");
        response.Headers.ETag!.ToString().ShouldBe("W/\"1\"");
        response.Content.Headers.LastModified.ShouldNotBeNull();
        body.GetProperty("meta").GetProperty("versionId").GetString().ShouldBe("1");
        DateTimeOffset.Parse(body.GetProperty("meta").GetProperty("lastUpdated").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            .ShouldBe(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Given_a_created_patient_When_read_Then_the_same_resource_comes_back()
    {
        var created = await (await Client.PostAsync("/fhir/Patient", FhirHttp.Json(PatientJson))).BodyAsync();
        var id = created.GetProperty("id").GetString();

        var response = await Client.GetAsync($"/fhir/Patient/{id}");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.ETag!.ToString().ShouldBe("W/\"1\"");
        var read = await response.BodyAsync();
        read.GetRawText().ShouldBe(created.GetRawText());
        read.GetProperty("name")[0].GetProperty("family").GetString().ShouldBe("Lovelace");
    }

    [Fact]
    public async Task Given_an_observation_When_posted_and_read_Then_it_round_trips()
    {
        const string observation = """
            {"resourceType":"Observation","status":"final",
             "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
             "code":{"coding":[{"system":"http://loinc.org","code":"8867-4","display":"Heart rate"}]},
             "valueQuantity":{"value":72,"unit":"beats/minute","system":"http://unitsofmeasure.org","code":"/min"}}
            """;
        var created = await Client.PostAsync("/fhir/Observation", FhirHttp.Json(observation));
        created.StatusCode.ShouldBe(HttpStatusCode.Created);

        var read = await (await Client.GetAsync(created.Headers.Location!.AbsolutePath.Replace("/_history/1", "", StringComparison.Ordinal))).BodyAsync();

        read.GetProperty("valueQuantity").GetProperty("value").GetDecimal().ShouldBe(72m);
    }

    [Fact]
    public async Task Given_an_unknown_id_When_read_Then_404_with_an_OperationOutcome()
    {
        var response = await Client.GetAsync("/fhir/Patient/does-not-exist");

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await response.OutcomeCodeAsync()).ShouldBe("not-found");
    }

    [Fact]
    public async Task Given_malformed_json_When_posted_Then_400_structure_and_nothing_is_stored()
    {
        var before = await CountAsync();

        var response = await Client.PostAsync("/fhir/Patient", FhirHttp.Json("{\"resourceType\":\"Patient\","));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.OutcomeCodeAsync()).ShouldBe("structure");
        (await CountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Given_a_body_of_another_type_When_posted_Then_400_naming_resourceType()
    {
        var response = await Client.PostAsync("/fhir/Patient", FhirHttp.Json("""{"resourceType":"Observation","status":"final","code":{"text":"x"}}"""));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var body = await response.BodyAsync();
        body.GetProperty("issue")[0].GetProperty("expression")[0].GetString().ShouldBe("resourceType");
    }

    [Fact]
    public async Task Given_unknown_elements_and_bad_values_When_posted_Then_400_names_each_location()
    {
        var response = await Client.PostAsync("/fhir/Patient", FhirHttp.Json("""{"resourceType":"Patient","foo":1,"birthDate":"notadate"}"""));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var issues = (await response.BodyAsync()).GetProperty("issue").EnumerateArray()
            .Select(i => i.GetProperty("expression")[0].GetString()).ToList();
        issues.ShouldBe(["Patient.foo", "Patient.birthDate"], ignoreOrder: true);
    }

    [Theory]
    [InlineData("""{"resourceType":"Observation","code":{"text":"pulse"}}""", "Observation.status")]
    [InlineData("""{"resourceType":"Observation","status":"final"}""", "Observation.code")]
    [InlineData("""{"resourceType":"Patient","communication":[{"preferred":true}]}""", "Patient.communication[0].language")]
    [InlineData("""{"resourceType":"Observation","status":"final","code":{"text":"x"},"referenceRange":[{"appliesTo":[{}]}],"component":[{"valueString":"y"}]}""", "Observation.component[0].code")]
    public async Task Given_a_required_element_missing_When_posted_Then_rejected_naming_its_location(string body, string location)
    {
        var type = body.Contains("Patient", StringComparison.Ordinal) ? "Patient" : "Observation";

        var response = await Client.PostAsync($"/fhir/{type}", FhirHttp.Json(body));

        ((int)response.StatusCode).ShouldBeOneOf(400, 422);
        var expressions = (await response.BodyAsync()).GetProperty("issue").EnumerateArray()
            .SelectMany(i => i.TryGetProperty("expression", out var e) ? e.EnumerateArray().Select(x => x.GetString()) : []).ToList();
        expressions.ShouldContain(location);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("\"Patient\"")]
    [InlineData("{\"resourceType\":\"NotAType\"}")]
    [InlineData("{\"resourceType\":\"Patient\",\"name\":{\"family\":1}}")]
    public async Task Given_a_body_that_is_not_a_patient_When_posted_Then_a_4xx_OperationOutcome_never_a_500(string body)
    {
        var response = await Client.PostAsync("/fhir/Patient", FhirHttp.Json(body));

        ((int)response.StatusCode).ShouldBeInRange(400, 499);
        await response.OutcomeCodeAsync();
    }

    [Fact]
    public async Task Given_a_non_fhir_content_type_When_posted_Then_415()
    {
        var response = await Client.PostAsync("/fhir/Patient", new StringContent(PatientJson, Encoding.UTF8, "text/plain"));

        response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        await response.OutcomeCodeAsync();
    }

    [Fact]
    public async Task Given_a_body_over_the_limit_When_posted_Then_413()
    {
        var big = $$"""{"resourceType":"Patient","name":[{"family":"{{new string('x', 1_100_000)}}"}]}""";

        var response = await Client.PostAsync("/fhir/Patient", FhirHttp.Json(big));

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        (await response.OutcomeCodeAsync()).ShouldBe("too-long");
    }

    [Fact]
    public async Task Given_an_unknown_resource_type_When_requested_Then_404_OperationOutcome()
    {
        var response = await Client.GetAsync("/fhir/NotAType/1");

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await response.OutcomeCodeAsync()).ShouldBe("not-supported");
    }

    [Fact]
    public async Task Given_an_interaction_not_served_When_requested_Then_405_OperationOutcome()
    {
        var response = await Client.PostAsync("/fhir/Patient/1", FhirHttp.Json(PatientJson));

        response.StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed);
        (await response.OutcomeCodeAsync()).ShouldBe("not-supported");
    }

    [Fact]
    public async Task Given_xml_When_posted_and_read_with_format_xml_Then_it_round_trips_in_xml()
    {
        const string xml = """<Patient xmlns="http://hl7.org/fhir"><name><family value="Hopper"/></name></Patient>""";
        var created = await Client.PostAsync("/fhir/Patient", FhirHttp.Json(xml, "application/fhir+xml"));
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var path = created.Headers.Location!.AbsolutePath.Replace("/_history/1", "", StringComparison.Ordinal);

        var read = await Client.GetAsync(path + "?_format=xml");

        read.Content.Headers.ContentType!.MediaType.ShouldBe("application/fhir+xml");
        var text = await read.Content.ReadAsStringAsync();
        text.ShouldContain("<family value=\"Hopper\" />");
        text.ShouldNotContain("utf-16");
    }

    [Fact]
    public async Task Given_xml_with_an_external_entity_When_posted_Then_400_and_no_file_is_read()
    {
        const string xml = """<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><Patient xmlns="http://hl7.org/fhir"><name><family value="&x;"/></name></Patient>""";

        var response = await Client.PostAsync("/fhir/Patient", FhirHttp.Json(xml, "application/fhir+xml"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldNotContain("root:");
    }

    [Fact]
    public async Task Given_prefer_return_minimal_When_posted_Then_201_without_a_body()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/fhir/Patient") { Content = FhirHttp.Json(PatientJson) };
        request.Headers.Add("Prefer", "return=minimal");

        var response = await Client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await response.Content.ReadAsByteArrayAsync()).ShouldBeEmpty();
        response.Headers.Location.ShouldNotBeNull();
    }

    [Fact]
    public async Task Given_prefer_return_OperationOutcome_When_posted_Then_201_with_an_informational_outcome()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/fhir/Patient") { Content = FhirHttp.Json(PatientJson) };
        request.Headers.Add("Prefer", "return=OperationOutcome");

        var response = await Client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await response.OutcomeCodeAsync()).ShouldBe("informational");
    }

    [Fact]
    public async Task Given_accept_xml_When_an_error_occurs_Then_the_OperationOutcome_is_xml()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/fhir/Patient/missing");
        request.Headers.Accept.Clear();
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+xml"));

        var response = await Client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync()).ShouldStartWith("<?xml");
    }

    [Fact]
    public async Task Given_a_created_patient_Then_its_body_is_in_its_current_row_and_moves_to_a_history_row_when_replaced()
    {
        var id = (await (await Client.PostAsync("/fhir/Patient", FhirHttp.Json(PatientJson))).BodyAsync()).GetProperty("id").GetString();
        Task<long> HistoryRowsAsync() => server.Database.ScalarAsync<long>($"SELECT count(*) FROM fhir.mt_doc_storedresourceversion WHERE logical_id = '{id}'");
        Task<string?> FamilyAsync(string table, string key) => server.Database.ScalarAsync<string>(
            $"SELECT (data->>'Json')::jsonb->'name'->0->>'family' FROM fhir.{table} WHERE id = '{key}'");

        var createdFamily = await FamilyAsync("mt_doc_storedresource", $"Patient/{id}");
        var createdHistory = await HistoryRowsAsync();
        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(PatientJson.Replace("Lovelace", "Byron", StringComparison.Ordinal).Replace("client-chosen", id, StringComparison.Ordinal)));

        createdFamily.ShouldBe("Lovelace");
        createdHistory.ShouldBe(0);
        (await FamilyAsync("mt_doc_storedresource", $"Patient/{id}")).ShouldBe("Byron");
        (await FamilyAsync("mt_doc_storedresourceversion", $"Patient/{id}/_history/1")).ShouldBe("Lovelace");
        (await HistoryRowsAsync()).ShouldBe(1);
    }

    private Task<long> CountAsync() => server.Database.ScalarAsync<long>("SELECT count(*) FROM fhir.mt_doc_storedresource");
}
