using System.Net;
using SeSPHR.FhirServer.Tests.Infrastructure;

namespace SeSPHR.FhirServer.Tests.Features.Operations;

/// <summary>The FhirServer (plain configuration) with <c>Fhir:ValidateOnWrite=true</c>.</summary>
public sealed class ValidatingServerFixture : FhirServerFixture
{
    protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("Fhir:ValidateOnWrite", "true")];
}

public sealed class ValidateOnWriteTests(ValidatingServerFixture server) : IClassFixture<ValidatingServerFixture>
{
    // Parses, so only full validation finds the problem: pat-1, a contact with neither details nor an organization.
    private const string InvalidPatient = """{"resourceType":"Patient","id":"ID","contact":[{"gender":"female"}]}""";

    private const string ValidPatient = """{"resourceType":"Patient","id":"ID","name":[{"family":"Lovelace"}]}""";

    private HttpClient Client => server.Client;

    private static string NewId() => "vw-" + Guid.NewGuid().ToString("N")[..12];

    private static StringContent Body(string json, string id) => FhirHttp.Json(json.Replace("\"ID\"", $"\"{id}\"", StringComparison.Ordinal));

    [Fact]
    public async Task Given_validate_on_write_When_an_invalid_resource_is_created_or_updated_Then_422_with_the_finding_and_nothing_is_stored()
    {
        var id = NewId();

        var created = await Client.PostAsync("/fhir/Patient", Body(InvalidPatient, id));
        var put = await Client.PutAsync($"/fhir/Patient/{id}", Body(InvalidPatient, id));

        created.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        put.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var outcome = await put.BodyAsync();
        outcome.GetProperty("resourceType").GetString().ShouldBe("OperationOutcome");
        outcome.GetProperty("issue").EnumerateArray()
            .Where(i => i.GetProperty("severity").GetString() == "error")
            .SelectMany(i => i.GetProperty("expression").EnumerateArray().Select(e => e.GetString()))
            .ShouldContain("Patient.contact[0]");
        (await Client.GetAsync($"/fhir/Patient/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Given_validate_on_write_When_a_valid_resource_is_written_Then_it_is_stored()
    {
        var id = NewId();

        var response = await Client.PutAsync($"/fhir/Patient/{id}", Body(ValidPatient, id));

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Given_validate_on_write_When_a_patch_would_make_a_resource_invalid_Then_422_and_the_version_stays()
    {
        var id = NewId();
        (await Client.PutAsync($"/fhir/Patient/{id}", Body(ValidPatient, id))).StatusCode.ShouldBe(HttpStatusCode.Created);
        using var patch = new HttpRequestMessage(HttpMethod.Patch, $"/fhir/Patient/{id}")
        {
            Content = FhirHttp.Json("""[{"op":"add","path":"/contact","value":[{"gender":"female"}]}]""", "application/json-patch+json"),
        };

        var response = await Client.SendAsync(patch);

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var read = await (await Client.GetAsync($"/fhir/Patient/{id}")).BodyAsync();
        read.GetProperty("meta").GetProperty("versionId").GetString().ShouldBe("1");
    }

    [Fact]
    public async Task Given_validate_on_write_When_a_transaction_holds_an_invalid_entry_Then_it_is_refused_and_nothing_is_stored()
    {
        var (valid, invalid) = (NewId(), NewId());
        var validJson = ValidPatient.Replace("\"ID\"", $"\"{valid}\"", StringComparison.Ordinal);
        var invalidJson = InvalidPatient.Replace("\"ID\"", $"\"{invalid}\"", StringComparison.Ordinal);
        var bundle = $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{{{validJson}}},"request":{"method":"PUT","url":"Patient/{{{valid}}}"}},
              {"resource":{{{invalidJson}}},"request":{"method":"PUT","url":"Patient/{{{invalid}}}"}}]}
            """;

        var response = await Client.PostAsync("/fhir", FhirHttp.Json(bundle));

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity, await response.Content.ReadAsStringAsync());
        (await Client.GetAsync($"/fhir/Patient/{valid}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Client.GetAsync($"/fhir/Patient/{invalid}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
