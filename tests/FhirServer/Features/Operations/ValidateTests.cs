using System.Net;
using System.Text.Json;
using SeSPHR.FhirServer.Tests.Infrastructure;

namespace SeSPHR.FhirServer.Tests.Features.Operations;

public sealed class ValidateTests(FhirServerFixture server) : IClassFixture<FhirServerFixture>
{
    private const string ValidObservation = """
        {"resourceType":"Observation","status":"final",
         "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
         "code":{"coding":[{"system":"http://loinc.org","code":"8867-4","display":"Heart rate"}]},
         "subject":{"reference":"Patient/example"},
         "valueQuantity":{"value":72,"unit":"beats/minute","system":"http://unitsofmeasure.org","code":"/min"}}
        """;

    // Parses, but breaks invariant obs-6 of the base definitions: a dataAbsentReason beside a value.
    private const string InvalidObservation = """
        {"resourceType":"Observation","status":"final",
         "code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},
         "valueQuantity":{"value":72,"unit":"/min"},
         "dataAbsentReason":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/data-absent-reason","code":"masked"}]}}
        """;

    // Parses, but breaks pat-1 (a contact needs details or an organization) and the cardinality of
    // Patient.communication.language (1..1).
    private const string InvalidPatient = """
        {"resourceType":"Patient","contact":[{"gender":"female"}],"communication":[{"preferred":true}]}
        """;

    private HttpClient Client => server.Client;

    private static List<JsonElement> Issues(JsonElement outcome)
    {
        outcome.GetProperty("resourceType").GetString().ShouldBe("OperationOutcome");
        return outcome.GetProperty("issue").EnumerateArray().ToList();
    }

    private static IEnumerable<JsonElement> Errors(JsonElement outcome) =>
        Issues(outcome).Where(i => i.GetProperty("severity").GetString() is "error" or "fatal");

    private static IEnumerable<string> Expressions(IEnumerable<JsonElement> issues) =>
        issues.SelectMany(i => i.TryGetProperty("expression", out var e) ? e.EnumerateArray().Select(x => x.GetString()!) : []);

    [Fact]
    public async Task Given_a_valid_observation_When_validated_Then_200_with_no_errors()
    {
        var response = await Client.PostAsync("/fhir/Observation/$validate", FhirHttp.Json(ValidObservation));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var outcome = await response.BodyAsync();
        Errors(outcome).ShouldBeEmpty();
        Issues(outcome).ShouldNotBeEmpty();
    }

    [Fact]
    public async Task Given_an_observation_breaking_an_invariant_When_validated_Then_200_with_the_error_and_its_location()
    {
        var response = await Client.PostAsync("/fhir/Observation/$validate", FhirHttp.Json(InvalidObservation));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var errors = Errors(await response.BodyAsync()).ToList();
        errors.ShouldContain(e => e.GetProperty("details").GetProperty("text").GetString()!.Contains("obs-6", StringComparison.Ordinal));
        Expressions(errors).ShouldContain("Observation");
    }

    [Fact]
    public async Task Given_a_patient_with_broken_contact_and_communication_When_validated_Then_each_error_names_its_element()
    {
        var response = await Client.PostAsync("/fhir/Patient/$validate", FhirHttp.Json(InvalidPatient));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var errors = Errors(await response.BodyAsync()).ToList();
        var expressions = Expressions(errors).ToList();
        expressions.ShouldContain("Patient.contact[0]");
        expressions.ShouldContain("Patient.communication[0].language");
        expressions.ShouldBeUnique();
    }

    [Fact]
    public async Task Given_a_parameters_body_with_a_resource_When_validated_Then_the_resource_is_validated()
    {
        var body = $$"""{"resourceType":"Parameters","parameter":[{"name":"resource","resource":{{InvalidObservation}}}]}""";

        var response = await Client.PostAsync("/fhir/Observation/$validate", FhirHttp.Json(body));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        Errors(await response.BodyAsync()).ShouldNotBeEmpty();
    }

    [Fact]
    public async Task Given_a_resource_with_an_unknown_element_When_validated_Then_200_with_the_parser_finding_and_its_location()
    {
        var response = await Client.PostAsync("/fhir/Patient/$validate", FhirHttp.Json("""{"resourceType":"Patient","favouriteColour":"blue"}"""));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        Expressions(Errors(await response.BodyAsync())).ShouldContain(e => e.Contains("favouriteColour", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Given_a_stored_resource_When_validated_by_id_Then_200_and_unknown_ids_are_404()
    {
        var created = await Client.PostAsync("/fhir/Observation", FhirHttp.Json(ValidObservation));
        var id = (await created.BodyAsync()).GetProperty("id").GetString();

        var response = await Client.GetAsync($"/fhir/Observation/{id}/$validate");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        Errors(await response.BodyAsync()).ShouldBeEmpty();
        (await Client.GetAsync("/fhir/Observation/not-there/$validate")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Given_malformed_json_or_a_body_of_another_type_When_validated_Then_400()
    {
        (await Client.PostAsync("/fhir/Patient/$validate", FhirHttp.Json("{\"resourceType\":"))).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await Client.PostAsync("/fhir/Patient/$validate", FhirHttp.Json(ValidObservation))).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Given_an_unknown_type_or_another_profile_When_validated_Then_refused()
    {
        (await Client.PostAsync("/fhir/Nonsense/$validate", FhirHttp.Json(ValidObservation))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var withProfile = await Client.PostAsync("/fhir/Observation/$validate?profile=http://hl7.org/fhir/StructureDefinition/vitalsigns", FhirHttp.Json(ValidObservation));
        withProfile.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Given_an_invalid_resource_When_created_without_validate_on_write_Then_it_is_stored()
    {
        // The default configuration keeps full validation out of the write path: pat-1 is not checked.
        var response = await Client.PostAsync("/fhir/Patient", FhirHttp.Json("""{"resourceType":"Patient","contact":[{"gender":"female"}]}"""));

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
    }
}
