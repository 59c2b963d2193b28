using System.Text.Json;
using SeSPHR.FhirServer.Tests.Infrastructure;

namespace SeSPHR.FhirServer.Tests.Features.Operations;

/// <summary>
/// <c>$validate</c> answers with locations, issue codes and element names, never with the text it
/// was sent: a value that breaks a rule may be a protected value a client sent in clear by mistake.
/// </summary>
public sealed class ValidateWithholdsValuesTests(FhirServerFixture server) : IClassFixture<FhirServerFixture>
{
    private const string Secret = "xyzzy";

    /// <summary>Bodies with values that hold <see cref="Secret"/>, most of them breaking a rule with it.</summary>
    public static TheoryData<string, string> Offending => new()
    {
        { "Patient", """{"resourceType":"Patient","gender":"xyzzy-gender"}""" },
        { "Patient", """{"resourceType":"Patient","birthDate":"xyzzy-1990"}""" },
        { "Patient", """{"resourceType":"Patient","identifier":[{"system":"urn:xyzzy secret system","value":"x"}]}""" },
        { "Patient", """{"resourceType":"Patient","communication":[{"language":{"coding":[{"system":"urn:ietf:bcp:47","code":"xyzzy-lang"}]}}]}""" },
        { "Patient", """{"resourceType":"Patient","telecom":[{"system":"xyzzy-phone","value":"555"}]}""" },
        { "Patient", """{"resourceType":"Patient","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><script>xyzzy</script></div>"}}""" },
        { "Patient", """{"resourceType":"Patient","unknownElement":"xyzzy-unknown"}""" },
        { "Patient", """{"resourceType":"Patient","id":"xyzzy id with spaces"}""" },
        { "Patient", """{"resourceType":"Patient","extension":[{"url":"xyzzy not a url","valueString":"xyzzy-value"}]}""" },
        { "Observation", """{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1,"comparator":"xyzzy-cmp","system":"http://unitsofmeasure.org","code":"xyzzy-unit"}}""" },
        { "Observation", """{"resourceType":"Observation","status":"xyzzy-status","code":{"coding":[{"system":"http://loinc.org","code":"xyzzy-loinc"}]},"effectiveDateTime":"2020-02-30T10:00:00xyzzy"}""" },
        { "Observation", """{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueString":"xyzzy-note","dataAbsentReason":{"text":"xyzzy-reason"}}""" },
    };

    [Theory]
    [MemberData(nameof(Offending))]
    public async Task Given_a_resource_breaking_a_rule_with_a_value_When_validated_Then_the_outcome_locates_it_without_the_value(string type, string body)
    {
        var response = await server.Client.PostAsync($"/fhir/{type}/$validate", FhirHttp.Json(body));

        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBeOneOf(200, 400);
        text.ShouldNotContain(Secret, Case.Insensitive);
        using var outcome = JsonDocument.Parse(text);
        outcome.RootElement.GetProperty("resourceType").GetString().ShouldBe("OperationOutcome");
    }
}
