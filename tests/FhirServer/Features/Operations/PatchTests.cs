using System.Net;
using System.Text.Json;
using SeSPHR.FhirServer.Tests.Infrastructure;

namespace SeSPHR.FhirServer.Tests.Features.Operations;

public sealed class PatchTests(FhirServerFixture server) : IClassFixture<FhirServerFixture>
{
    private const string JsonPatchType = "application/json-patch+json";

    private HttpClient Client => server.Client;

    private static string NewId() => "pt-" + Guid.NewGuid().ToString("N")[..12];

    private async Task<string> PutPatientAsync(string? id = null)
    {
        id ??= NewId();
        var body = $$"""
            {"resourceType":"Patient","id":"{{id}}","active":true,
             "name":[{"family":"Lovelace","given":["Ada"]},{"family":"Byron","given":["Augusta","Ada"]}],
             "telecom":[{"system":"phone","value":"555-0100"}]}
            """;
        var response = await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(body));
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        return id;
    }

    private Task<HttpResponseMessage> PatchAsync(string url, string body, string mediaType, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, url) { Content = FhirHttp.Json(body, mediaType) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return Client.SendAsync(request);
    }

    private async Task<JsonElement> ReadAsync(string id) => await (await Client.GetAsync($"/fhir/Patient/{id}")).BodyAsync();

    [Fact]
    public async Task Given_a_patient_When_json_patch_replaces_a_value_Then_200_version_2_and_the_read_shows_it()
    {
        var id = await PutPatientAsync();

        var response = await PatchAsync($"/fhir/Patient/{id}", """[{"op":"replace","path":"/name/0/family","value":"King"}]""", JsonPatchType);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.ETag!.ToString().ShouldBe("W/\"2\"");
        response.Headers.Location!.ToString().ShouldEndWith($"/Patient/{id}/_history/2");
        (await response.BodyAsync()).GetProperty("name")[0].GetProperty("family").GetString().ShouldBe("King");
        var read = await ReadAsync(id);
        read.GetProperty("name")[0].GetProperty("family").GetString().ShouldBe("King");
        read.GetProperty("name")[1].GetProperty("family").GetString().ShouldBe("Byron");
        read.GetProperty("meta").GetProperty("versionId").GetString().ShouldBe("2");
    }

    [Fact]
    public async Task Given_a_patient_When_json_patch_adds_to_a_list_and_an_element_Then_both_are_there_in_order()
    {
        var id = await PutPatientAsync();

        var response = await PatchAsync($"/fhir/Patient/{id}", """
            [{"op":"add","path":"/name/0/given/0","value":"Augusta"},
             {"op":"add","path":"/telecom/-","value":{"system":"email","value":"ada@example.org"}},
             {"op":"add","path":"/birthDate","value":"1815-12-10"}]
            """, JsonPatchType);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var read = await ReadAsync(id);
        read.GetProperty("name")[0].GetProperty("given").EnumerateArray().Select(g => g.GetString()).ShouldBe(["Augusta", "Ada"]);
        read.GetProperty("telecom")[1].GetProperty("system").GetString().ShouldBe("email");
        read.GetProperty("birthDate").GetString().ShouldBe("1815-12-10");
    }

    [Fact]
    public async Task Given_a_patient_When_json_patch_removes_elements_Then_they_are_gone()
    {
        var id = await PutPatientAsync();

        var response = await PatchAsync($"/fhir/Patient/{id}", """[{"op":"remove","path":"/name/1"},{"op":"remove","path":"/telecom"}]""", JsonPatchType);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var read = await ReadAsync(id);
        read.GetProperty("name").GetArrayLength().ShouldBe(1);
        read.TryGetProperty("telecom", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task Given_a_passing_test_op_and_move_and_copy_When_json_patched_Then_all_apply()
    {
        var id = await PutPatientAsync();

        var response = await PatchAsync($"/fhir/Patient/{id}", """
            [{"op":"test","path":"/name/1/given","value":["Augusta","Ada"]},
             {"op":"move","from":"/name/1","path":"/name/0"},
             {"op":"copy","from":"/name/0/family","path":"/name/1/text"}]
            """, JsonPatchType);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var read = await ReadAsync(id);
        read.GetProperty("name")[0].GetProperty("family").GetString().ShouldBe("Byron");
        read.GetProperty("name")[1].GetProperty("text").GetString().ShouldBe("Byron");
    }

    [Fact]
    public async Task Given_a_failing_test_op_When_json_patched_Then_422_and_no_new_version()
    {
        var id = await PutPatientAsync();

        var response = await PatchAsync($"/fhir/Patient/{id}", """
            [{"op":"replace","path":"/active","value":false},
             {"op":"test","path":"/name/0/family","value":"Somebody else"}]
            """, JsonPatchType);

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await response.OutcomeCodeAsync()).ShouldBe("processing");
        var read = await ReadAsync(id);
        read.GetProperty("active").GetBoolean().ShouldBeTrue();
        read.GetProperty("meta").GetProperty("versionId").GetString().ShouldBe("1");
    }

    [Fact]
    public async Task Given_a_path_that_is_not_there_When_json_patch_removes_it_Then_422()
    {
        var id = await PutPatientAsync();

        var response = await PatchAsync($"/fhir/Patient/{id}", """[{"op":"remove","path":"/name/5"}]""", JsonPatchType);

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
    }

    [Theory]
    [InlineData("""{"op":"replace","path":"/active","value":false}""")]
    [InlineData("""[{"op":"frobnicate","path":"/active"}]""")]
    [InlineData("""[{"op":"replace","path":"active","value":false}]""")]
    [InlineData("""[{"op":"add","path":"/active"}]""")]
    [InlineData("""[{"op":"replace","path":"/active","value":""")]
    public async Task Given_a_body_that_is_not_a_json_patch_When_patched_Then_400(string body)
    {
        var id = await PutPatientAsync();

        var response = await PatchAsync($"/fhir/Patient/{id}", body, JsonPatchType);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Given_a_patch_that_leaves_an_invalid_resource_When_patched_Then_422_naming_the_problem_and_nothing_changes()
    {
        var id = await PutPatientAsync();

        var response = await PatchAsync($"/fhir/Patient/{id}", """
            [{"op":"replace","path":"/active","value":"yes"},{"op":"add","path":"/favouriteColour","value":"blue"}]
            """, JsonPatchType);

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var outcome = await response.BodyAsync();
        outcome.GetProperty("resourceType").GetString().ShouldBe("OperationOutcome");
        var expressions = outcome.GetProperty("issue").EnumerateArray()
            .SelectMany(i => i.TryGetProperty("expression", out var e) ? e.EnumerateArray().Select(x => x.GetString()) : [])
            .ToList();
        expressions.ShouldContain(e => e!.Contains("active", StringComparison.Ordinal));
        expressions.ShouldContain(e => e!.Contains("favouriteColour", StringComparison.Ordinal));
        (await ReadAsync(id)).GetProperty("meta").GetProperty("versionId").GetString().ShouldBe("1");
    }

    [Theory]
    [InlineData("""[{"op":"replace","path":"/id","value":"someone-else"}]""")]
    [InlineData("""[{"op":"replace","path":"/resourceType","value":"Practitioner"}]""")]
    public async Task Given_a_patch_that_changes_id_or_type_When_patched_Then_422(string body)
    {
        var id = await PutPatientAsync();

        var response = await PatchAsync($"/fhir/Patient/{id}", body, JsonPatchType);

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await Client.GetAsync("/fhir/Patient/someone-else")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Given_a_stale_if_match_When_patched_Then_412_and_the_resource_is_unchanged()
    {
        var id = await PutPatientAsync();
        (await PatchAsync($"/fhir/Patient/{id}", """[{"op":"replace","path":"/active","value":false}]""", JsonPatchType)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var response = await PatchAsync($"/fhir/Patient/{id}", """[{"op":"replace","path":"/name/0/family","value":"Lost"}]""", JsonPatchType, ifMatch: "W/\"1\"");

        response.StatusCode.ShouldBe(HttpStatusCode.PreconditionFailed);
        (await response.OutcomeCodeAsync()).ShouldBe("conflict");
        var read = await ReadAsync(id);
        read.GetProperty("name")[0].GetProperty("family").GetString().ShouldBe("Lovelace");
        read.GetProperty("meta").GetProperty("versionId").GetString().ShouldBe("2");
    }

    [Fact]
    public async Task Given_the_current_if_match_When_patched_Then_200()
    {
        var id = await PutPatientAsync();

        var response = await PatchAsync($"/fhir/Patient/{id}", """[{"op":"replace","path":"/active","value":false}]""", JsonPatchType, ifMatch: "W/\"1\"");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Given_concurrent_patches_without_if_match_When_applied_Then_none_is_lost()
    {
        var id = await PutPatientAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            PatchAsync($"/fhir/Patient/{id}", $$"""[{"op":"add","path":"/name/0/given/-","value":"G{{i}}"}]""", JsonPatchType)));

        var succeeded = responses.Count(r => r.StatusCode == HttpStatusCode.OK);
        responses.ShouldAllBe(r => r.StatusCode == HttpStatusCode.OK || r.StatusCode == HttpStatusCode.Conflict);
        var read = await ReadAsync(id);
        read.GetProperty("name")[0].GetProperty("given").GetArrayLength().ShouldBe(1 + succeeded);
        read.GetProperty("meta").GetProperty("versionId").GetString().ShouldBe((1 + succeeded).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Given_prefer_minimal_When_patched_Then_no_body_but_the_new_etag()
    {
        var id = await PutPatientAsync();
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/fhir/Patient/{id}")
        {
            Content = FhirHttp.Json("""[{"op":"replace","path":"/active","value":false}]""", JsonPatchType),
        };
        request.Headers.TryAddWithoutValidation("Prefer", "return=minimal");

        var response = await Client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.ETag!.ToString().ShouldBe("W/\"2\"");
        (await response.Content.ReadAsStringAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task Given_an_unknown_or_deleted_resource_When_patched_Then_404_or_410()
    {
        var id = await PutPatientAsync();
        await Client.DeleteAsync($"/fhir/Patient/{id}");
        const string body = """[{"op":"replace","path":"/active","value":false}]""";

        (await PatchAsync("/fhir/Patient/never-was", body, JsonPatchType)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await PatchAsync($"/fhir/Patient/{id}", body, JsonPatchType)).StatusCode.ShouldBe(HttpStatusCode.Gone);
        (await PatchAsync("/fhir/Nonsense/x", body, JsonPatchType)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Given_an_unsupported_content_type_When_patched_Then_415()
    {
        var id = await PutPatientAsync();

        var response = await PatchAsync($"/fhir/Patient/{id}", "active=false", "text/plain");

        response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Given_a_patch_When_applied_Then_the_previous_version_stays_in_history()
    {
        var id = await PutPatientAsync();

        (await PatchAsync($"/fhir/Patient/{id}", """[{"op":"replace","path":"/active","value":false}]""", JsonPatchType)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var history = await (await Client.GetAsync($"/fhir/Patient/{id}/_history")).BodyAsync();
        history.GetProperty("entry").GetArrayLength().ShouldBe(2);
        history.GetProperty("entry")[1].GetProperty("resource").GetProperty("active").GetBoolean().ShouldBeTrue();
    }

    // FHIRPath Patch (FHIR R4 fhirpatch.html)

    private static string Operation(string type, string path, string? extra = null) =>
        $$"""{"name":"operation","part":[{"name":"type","valueCode":"{{type}}"},{"name":"path","valueString":"{{path}}"}{{(extra is null ? "" : "," + extra)}}]}""";

    private static string Parameters(params string[] operations) =>
        $$"""{"resourceType":"Parameters","parameter":[{{string.Join(",", operations)}}]}""";

    [Fact]
    public async Task Given_a_patient_When_fhirpath_patch_replaces_adds_inserts_moves_and_deletes_Then_the_result_has_all_changes()
    {
        var id = await PutPatientAsync();

        var response = await PatchAsync($"/fhir/Patient/{id}", Parameters(
            Operation("replace", "Patient.name[0].family", """{"name":"value","valueString":"King"}"""),
            Operation("add", "Patient", """{"name":"name","valueString":"birthDate"},{"name":"value","valueDate":"1815-12-10"}"""),
            Operation("add", "Patient", """{"name":"name","valueString":"gender"},{"name":"value","valueCode":"female"}"""),
            Operation("insert", "Patient.name[1].given", """{"name":"value","valueString":"Countess"},{"name":"index","valueInteger":0}"""),
            Operation("move", "Patient.name", """{"name":"source","valueInteger":1},{"name":"destination","valueInteger":0}"""),
            Operation("delete", "Patient.telecom[0]"),
            Operation("delete", "Patient.deceased")), "application/fhir+json");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var read = await ReadAsync(id);
        read.GetProperty("birthDate").GetString().ShouldBe("1815-12-10");
        read.GetProperty("gender").GetString().ShouldBe("female");
        read.GetProperty("name")[0].GetProperty("family").GetString().ShouldBe("Byron");
        read.GetProperty("name")[0].GetProperty("given").EnumerateArray().Select(g => g.GetString()).ShouldBe(["Countess", "Augusta", "Ada"]);
        read.GetProperty("name")[1].GetProperty("family").GetString().ShouldBe("King");
        read.TryGetProperty("telecom", out _).ShouldBeFalse();
        read.GetProperty("meta").GetProperty("versionId").GetString().ShouldBe("2");
    }

    [Fact]
    public async Task Given_a_fhirpath_patch_in_xml_When_patched_Then_it_applies_and_the_answer_follows_accept()
    {
        var id = await PutPatientAsync();
        const string xml = """
            <Parameters xmlns="http://hl7.org/fhir">
              <parameter><name value="operation"/>
                <part><name value="type"/><valueCode value="replace"/></part>
                <part><name value="path"/><valueString value="Patient.active"/></part>
                <part><name value="value"/><valueBoolean value="false"/></part>
              </parameter>
            </Parameters>
            """;

        var response = await PatchAsync($"/fhir/Patient/{id}", xml, "application/fhir+xml");

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/fhir+json");
        (await ReadAsync(id)).GetProperty("active").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task Given_a_backbone_element_in_parts_When_fhirpath_patch_adds_it_Then_it_is_stored()
    {
        var id = await PutPatientAsync();

        var response = await PatchAsync($"/fhir/Patient/{id}", Parameters(
            Operation("add", "Patient", """
                {"name":"name","valueString":"contact"},
                {"name":"value","part":[{"name":"name","valueHumanName":{"family":"Babbage"}},
                                        {"name":"telecom","valueContactPoint":{"system":"phone","value":"555-0199"}}]}
                """)), "application/fhir+json");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var contact = (await ReadAsync(id)).GetProperty("contact")[0];
        contact.GetProperty("name").GetProperty("family").GetString().ShouldBe("Babbage");
        contact.GetProperty("telecom")[0].GetProperty("value").GetString().ShouldBe("555-0199");
    }

    [Fact]
    public async Task Given_a_resource_part_When_fhirpath_patch_adds_a_contained_resource_and_a_reference_to_it_Then_both_are_stored()
    {
        var id = await PutPatientAsync();

        var response = await PatchAsync($"/fhir/Patient/{id}", Parameters(
            Operation("add", "Patient", """{"name":"name","valueString":"contained"},{"name":"value","resource":{"resourceType":"Organization","id":"org1","name":"Analytical Engines"}}"""),
            Operation("add", "Patient", """{"name":"name","valueString":"managingOrganization"},{"name":"value","valueReference":{"reference":"#org1"}}""")),
            "application/fhir+json");

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var read = await ReadAsync(id);
        read.GetProperty("contained")[0].GetProperty("name").GetString().ShouldBe("Analytical Engines");
        read.GetProperty("managingOrganization").GetProperty("reference").GetString().ShouldBe("#org1");
    }

    [Theory]
    [InlineData("replace", "Patient.name.family", """{"name":"value","valueString":"X"}""")]
    [InlineData("replace", "Patient.birthDate", """{"name":"value","valueDate":"2000-01-01"}""")]
    [InlineData("add", "Patient", """{"name":"name","valueString":"active"},{"name":"value","valueBoolean":false}""")]
    [InlineData("add", "Patient", """{"name":"name","valueString":"favouriteColour"},{"name":"value","valueString":"blue"}""")]
    [InlineData("insert", "Patient.name", """{"name":"value","valueHumanName":{"family":"X"}},{"name":"index","valueInteger":7}""")]
    [InlineData("replace", "Patient.gender.nonsense", """{"name":"value","valueCode":"other"}""")]
    public async Task Given_a_fhirpath_patch_that_does_not_fit_the_resource_When_patched_Then_422_and_nothing_changes(string type, string path, string extra)
    {
        var id = await PutPatientAsync();

        var response = await PatchAsync($"/fhir/Patient/{id}", Parameters(Operation(type, path, extra)), "application/fhir+json");

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await ReadAsync(id)).GetProperty("meta").GetProperty("versionId").GetString().ShouldBe("1");
    }

    [Fact]
    public async Task Given_a_fhirpath_patch_leaving_an_invalid_code_When_patched_Then_422()
    {
        var id = await PutPatientAsync();

        var response = await PatchAsync($"/fhir/Patient/{id}",
            Parameters(Operation("add", "Patient", """{"name":"name","valueString":"gender"},{"name":"value","valueCode":"mostly"}""")),
            "application/fhir+json");

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
    }

    [Theory]
    [InlineData("""{"resourceType":"Patient","active":false}""")]
    [InlineData("""{"resourceType":"Parameters","parameter":[{"name":"op","valueString":"x"}]}""")]
    [InlineData("""{"resourceType":"Parameters","parameter":[{"name":"operation","part":[{"name":"type","valueCode":"upsert"},{"name":"path","valueString":"Patient"}]}]}""")]
    [InlineData("""{"resourceType":"Parameters","parameter":[{"name":"operation","part":[{"name":"type","valueCode":"delete"}]}]}""")]
    [InlineData("""{"resourceType":"Parameters","parameter":[{"name":"operation","part":[{"name":"type","valueCode":"delete"},{"name":"path","valueString":"Patient.name[("}]}]}""")]
    public async Task Given_a_fhir_body_that_is_not_a_fhirpath_patch_When_patched_Then_400(string body)
    {
        var id = await PutPatientAsync();

        var response = await PatchAsync($"/fhir/Patient/{id}", body, "application/fhir+json");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Given_an_observation_When_fhirpath_patch_replaces_a_choice_value_Then_its_type_changes()
    {
        const string observation = """
            {"resourceType":"Observation","id":"OBSID","status":"final","code":{"text":"note"},"valueString":"first"}
            """;
        var id = NewId();
        (await Client.PutAsync($"/fhir/Observation/{id}", FhirHttp.Json(observation.Replace("OBSID", id, StringComparison.Ordinal)))).StatusCode.ShouldBe(HttpStatusCode.Created);

        var response = await PatchAsync($"/fhir/Observation/{id}", Parameters(
            Operation("replace", "Observation.value", """{"name":"value","valueQuantity":{"value":72,"unit":"/min"}}"""),
            Operation("replace", "Observation.status", """{"name":"value","valueCode":"amended"}""")), "application/fhir+json");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var read = await (await Client.GetAsync($"/fhir/Observation/{id}")).BodyAsync();
        read.TryGetProperty("valueString", out _).ShouldBeFalse();
        read.GetProperty("valueQuantity").GetProperty("value").GetDecimal().ShouldBe(72m);
        read.GetProperty("status").GetString().ShouldBe("amended");
    }
}
