using System.Net;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Umbral;
using SeSPHR.FhirServer.Tests.Infrastructure;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;

namespace SeSPHR.FhirServer.Tests.Features.Operations;

/// <summary>Patch and $everything in the production configuration, on sealed resources.</summary>
public sealed class ProtectedPatchTests(ProtectedFhirServerFixture server) : IClassFixture<ProtectedFhirServerFixture>, IDisposable
{
    private const string Canary = "Quagga-Marmoset-0815";
    private const string JsonPatchType = "application/json-patch+json";

    private readonly SectionKeys _keys = SectionKeys.FromMasterSecret(Enumerable.Repeat((byte)7, 32).ToArray());
    private readonly Signer _writer = new(SecretKey.Random());
    private readonly FhirJsonSerializer _json = new();
    private readonly FhirJsonDeserializer _parser = new();

    private HttpClient Client => server.Client;

    public void Dispose() => _keys.Dispose();

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";

    private async System.Threading.Tasks.Task PutSealedAsync(Resource resource)
    {
        var sealedResource = SectionSealer.Seal((Resource)resource.DeepCopy(), section => new SectionKey(1, _keys.PublicKey(section.ToCode(), 1)), _writer);
        var response = await Client.PutAsync($"/fhir/{resource.TypeName}/{resource.Id}", FhirHttp.Json(_json.SerializeToString(sealedResource)));
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    private T Open<T>(string json)
        where T : Resource =>
        (T)SectionSealer.Open(
            _parser.Deserialize<T>(json),
            e => EnvelopeRecipient.Owner(_keys.SecretKey(e.Section.ToCode(), e.Epoch)),
            (_, writer) => writer.Equals(_writer.VerifyingKey));

    private static Observation HeartRate(string id, string patient) => new()
    {
        Id = id,
        Status = ObservationStatus.Final,
        Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")],
        Code = new CodeableConcept("http://loinc.org", "8867-4"),
        Subject = new ResourceReference($"Patient/{patient}"),
        Effective = new FhirDateTime("2024-05-01T10:00:00Z"),
        Value = new Quantity(72, "/min"),
        Note = [new Annotation { Text = new Markdown(Canary) }],
    };

    private Task<HttpResponseMessage> PatchAsync(string url, string body, string mediaType = JsonPatchType) =>
        Client.SendAsync(new HttpRequestMessage(HttpMethod.Patch, url) { Content = FhirHttp.Json(body, mediaType) });

    [Fact]
    public async System.Threading.Tasks.Task Given_a_sealed_observation_When_a_clear_element_is_patched_Then_200_and_the_sealed_section_still_opens()
    {
        var observation = HeartRate(NewId("ob"), NewId("pa"));
        await PutSealedAsync(observation);

        var response = await PatchAsync($"/fhir/Observation/{observation.Id}", """[{"op":"replace","path":"/status","value":"amended"}]""");

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var stored = await (await Client.GetAsync($"/fhir/Observation/{observation.Id}")).Content.ReadAsStringAsync();
        stored.ShouldNotContain(Canary);
        var opened = Open<Observation>(stored);
        opened.Status.ShouldBe(ObservationStatus.Amended);
        opened.Note[0].Text.ShouldBe(Canary);
    }

    [Theory]
    [InlineData(JsonPatchType, """[{"op":"replace","path":"/subject/reference","value":"Patient/somebody-else"}]""")]
    [InlineData(JsonPatchType, """[{"op":"replace","path":"/effectiveDateTime","value":"2020-01-01T00:00:00Z"}]""")]
    [InlineData(JsonPatchType, """[{"op":"remove","path":"/extension"},{"op":"replace","path":"/subject/reference","value":"Patient/somebody-else"}]""")]
    [InlineData("application/fhir+json", """{"resourceType":"Parameters","parameter":[{"name":"operation","part":[{"name":"type","valueCode":"replace"},{"name":"path","valueString":"Observation.subject"},{"name":"value","valueReference":{"reference":"Patient/somebody-else"}}]}]}""")]
    public async System.Threading.Tasks.Task Given_a_sealed_observation_When_a_patch_changes_a_bound_clear_field_Then_422_and_the_version_stays(string mediaType, string patch)
    {
        var patient = NewId("pa");
        var observation = HeartRate(NewId("ob"), patient);
        await PutSealedAsync(observation);

        var response = await PatchAsync($"/fhir/Observation/{observation.Id}", patch, mediaType);

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await response.OutcomeCodeAsync()).ShouldBe("security");
        var stored = await (await Client.GetAsync($"/fhir/Observation/{observation.Id}")).BodyAsync();
        stored.GetProperty("subject").GetProperty("reference").GetString().ShouldBe($"Patient/{patient}");
        stored.GetProperty("meta").GetProperty("versionId").GetString().ShouldBe("1");
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_a_sealed_patient_When_a_patch_puts_a_protected_element_in_clear_Then_422_naming_it_without_its_value()
    {
        var patient = new Patient { Id = NewId("pa"), Active = true, Name = [new HumanName { Family = "Sealed" }] };
        await PutSealedAsync(patient);

        var response = await PatchAsync($"/fhir/Patient/{patient.Id}", $$"""[{"op":"add","path":"/birthDate","value":"1815-12-10"},{"op":"add","path":"/gender","value":"female"},{"op":"add","path":"/address","value":[{"city":"{{Canary}}"}]}]""");

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var text = await response.Content.ReadAsStringAsync();
        text.ShouldContain("Patient.birthDate");
        text.ShouldNotContain(Canary);
        text.ShouldNotContain("1815-12-10");
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_a_sealed_record_When_everything_is_requested_Then_the_sealed_resources_come_as_stored()
    {
        var patient = new Patient { Id = NewId("pa"), Active = true, Name = [new HumanName { Family = Canary }] };
        await PutSealedAsync(patient);
        var observation = HeartRate(NewId("ob"), patient.Id);
        await PutSealedAsync(observation);

        var response = await Client.GetAsync($"/fhir/Patient/{patient.Id}/$everything");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var text = await response.Content.ReadAsStringAsync();
        text.ShouldNotContain(Canary);
        var bundle = _parser.Deserialize<Bundle>(text);
        bundle.Entry.Select(e => e.Resource!.TypeName + "/" + e.Resource.Id).ShouldBe([$"Patient/{patient.Id}", $"Observation/{observation.Id}"]);
        Open<Observation>(_json.SerializeToString(bundle.Entry[1].Resource!)).Note[0].Text.ShouldBe(Canary);
    }
}
