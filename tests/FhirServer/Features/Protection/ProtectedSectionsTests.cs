using System.Net;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Umbral;
using SeSPHR.FhirServer.Tests.Infrastructure;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;

namespace SeSPHR.FhirServer.Tests.Features.Protection;

/// <summary>The cloud in its production configuration: it stores protected sections only as signed envelopes.</summary>
public sealed class ProtectedSectionsTests(ProtectedFhirServerFixture server) : IClassFixture<ProtectedFhirServerFixture>, IDisposable
{
    private const string Canary = "Zanzibar-Quokka-4711";

    private readonly SectionKeys _keys = SectionKeys.FromMasterSecret(Enumerable.Repeat((byte)42, 32).ToArray());
    private readonly Signer _writer = new(SecretKey.Random());
    private readonly FhirJsonSerializer _json = new();
    private readonly FhirJsonDeserializer _parser = new();

    public void Dispose() => _keys.Dispose();

    private SectionKey KeyFor(PhrSection section) => new(1, _keys.PublicKey(section.ToCode(), 1));

    private Resource Seal(Resource resource) => SectionSealer.Seal((Resource)resource.DeepCopy(), KeyFor, _writer);

    private Task<HttpResponseMessage> PutAsync(Resource resource) =>
        server.Client.PutAsync($"/fhir/{resource.TypeName}/{resource.Id}", FhirHttp.Json(_json.SerializeToString(resource)));

    private static Patient PatientNamed(string id) => new()
    {
        Id = id,
        Active = true,
        Name = [new HumanName { Family = Canary, Given = ["Ada"] }],
        BirthDate = "1970-01-01",
        Gender = AdministrativeGender.Female,
    };

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

    private static string NewId() => "pt-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async System.Threading.Tasks.Task Given_a_protected_element_in_clear_When_written_Then_422_names_the_element_and_never_echoes_the_value()
    {
        var response = await PutAsync(PatientNamed(NewId()));

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var text = await response.Content.ReadAsStringAsync();
        text.ShouldNotContain(Canary);
        text.ShouldContain("Patient.name");
        (await response.OutcomeCodeAsync()).ShouldBe("security");
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_a_sealed_patient_When_put_and_read_back_Then_the_owner_opens_exactly_what_was_written()
    {
        var source = PatientNamed(NewId());

        var written = await PutAsync(Seal(source));
        var read = await server.Client.GetAsync($"/fhir/Patient/{source.Id}");

        written.StatusCode.ShouldBe(HttpStatusCode.Created, await written.Content.ReadAsStringAsync());
        var stored = await read.Content.ReadAsStringAsync();
        stored.ShouldNotContain(Canary);
        var opened = (Patient)SectionSealer.Open(
            _parser.Deserialize<Patient>(stored),
            e => EnvelopeRecipient.Owner(_keys.SecretKey(e.Section.ToCode(), e.Epoch)),
            (_, writer) => writer.Equals(_writer.VerifyingKey));
        opened.Name[0].Family.ShouldBe(Canary);
        opened.BirthDate.ShouldBe("1970-01-01");
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_a_sealed_resource_When_posted_Then_422_because_envelopes_are_bound_to_a_client_id()
    {
        var response = await server.Client.PostAsync("/fhir/Patient", FhirHttp.Json(_json.SerializeToString(Seal(PatientNamed(NewId())))));

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_a_tampered_envelope_When_written_Then_422()
    {
        var sealedPatient = (Patient)Seal(PatientNamed(NewId()));
        var extension = sealedPatient.Extension.Single(EncryptedSectionExtension.IsEncryptedSection);
        var envelope = (Base64Binary?)extension.GetExtension(EncryptedSectionExtension.EnvelopeUrl)?.Value ?? throw new InvalidOperationException("no envelope");
        envelope.Value![^70] ^= 0x01;

        (await PutAsync(sealedPatient)).StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_an_envelope_moved_to_another_resource_When_written_Then_422()
    {
        var sealedPatient = (Patient)Seal(PatientNamed(NewId()));
        sealedPatient.Id = NewId();

        (await PutAsync(sealedPatient)).StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_an_envelope_claiming_another_writer_key_When_written_Then_422()
    {
        var sealedPatient = (Patient)Seal(PatientNamed(NewId()));
        var extension = sealedPatient.Extension.Single(EncryptedSectionExtension.IsEncryptedSection);
        extension.SetExtension(EncryptedSectionExtension.WriterUrl, new Base64Binary(SecretKey.Random().PublicKey.ToCompressedBytes()));

        (await PutAsync(sealedPatient)).StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_a_stored_sealed_observation_When_a_bound_field_changes_without_a_new_envelope_Then_422_and_the_stored_version_stays()
    {
        var patient = NewId();
        var observation = HeartRate("ob-" + Guid.NewGuid().ToString("N")[..10], patient);
        (await PutAsync(Seal(observation))).StatusCode.ShouldBe(HttpStatusCode.Created);

        var clearOnly = new Observation
        {
            Id = observation.Id,
            Status = ObservationStatus.Final,
            Category = observation.Category,
            Code = observation.Code,
            Subject = new ResourceReference("Patient/somebody-else"),
            Effective = observation.Effective,
        };
        var moved = await PutAsync(clearOnly);

        moved.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await (await server.Client.GetAsync($"/fhir/Observation/{observation.Id}")).BodyAsync())
            .GetProperty("subject").GetProperty("reference").GetString().ShouldBe($"Patient/{patient}");
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_a_stored_sealed_observation_When_updated_without_its_envelope_Then_the_server_carries_the_envelope_over()
    {
        var observation = HeartRate("ob-" + Guid.NewGuid().ToString("N")[..10], NewId());
        (await PutAsync(Seal(observation))).StatusCode.ShouldBe(HttpStatusCode.Created);
        // A plain FHIR client: reads the clear part, changes the status, sends it back without the envelope.
        var statusOnly = _parser.Deserialize<Observation>(await (await server.Client.GetAsync($"/fhir/Observation/{observation.Id}")).Content.ReadAsStringAsync());
        statusOnly.Extension.RemoveAll(EncryptedSectionExtension.IsEncryptedSection);
        statusOnly.Status = ObservationStatus.EnteredInError;

        var updated = await PutAsync(statusOnly);

        updated.StatusCode.ShouldBe(HttpStatusCode.OK, await updated.Content.ReadAsStringAsync());
        var read = await (await server.Client.GetAsync($"/fhir/Observation/{observation.Id}")).Content.ReadAsStringAsync();
        var opened = (Observation)SectionSealer.Open(
            _parser.Deserialize<Observation>(read),
            e => EnvelopeRecipient.Owner(_keys.SecretKey(e.Section.ToCode(), e.Epoch)),
            (_, writer) => writer.Equals(_writer.VerifyingKey));
        opened.Status.ShouldBe(ObservationStatus.EnteredInError);
        opened.Note[0].Text.ShouldBe(Canary);
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_the_protected_configuration_Then_search_on_protected_elements_is_not_offered()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/fhir/Patient?name={Canary}");
        request.Headers.Add("Prefer", "handling=strict");

        var response = await server.Client.SendAsync(request);
        var metadata = await (await server.Client.GetAsync("/fhir/metadata")).BodyAsync();

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var patientParameters = metadata.GetProperty("rest")[0].GetProperty("resource").EnumerateArray()
            .Single(r => r.GetProperty("type").GetString() == "Patient")
            .GetProperty("searchParam").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        patientParameters.ShouldNotContain("name");
        patientParameters.ShouldNotContain("birthdate");
        patientParameters.ShouldNotContain("identifier");
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_sealed_vitals_Then_the_clear_vital_sign_code_and_date_are_searchable()
    {
        var patient = NewId();
        (await PutAsync(Seal(HeartRate("ob-" + Guid.NewGuid().ToString("N")[..10], patient)))).EnsureSuccessStatusCode();

        var bundle = await (await server.Client.GetAsync($"/fhir/Observation?subject=Patient/{patient}&code=http://loinc.org|8867-4&date=2024-05")).BodyAsync();

        bundle.GetProperty("total").GetInt32().ShouldBe(1);
        JsonSerializer.Serialize(bundle).ShouldNotContain(Canary);
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_a_protected_element_in_clear_When_validated_Then_an_error_names_the_element_and_never_echoes_the_value()
    {
        var response = await server.Client.PostAsync("/fhir/Patient/$validate", FhirHttp.Json(_json.SerializeToString(PatientNamed(NewId()))));
        var sealedResponse = await server.Client.PostAsync("/fhir/Patient/$validate", FhirHttp.Json(_json.SerializeToString(Seal(PatientNamed(NewId())))));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var text = await response.Content.ReadAsStringAsync();
        text.ShouldNotContain(Canary);
        var errors = JsonDocument.Parse(text).RootElement.GetProperty("issue").EnumerateArray()
            .Where(issue => issue.GetProperty("severity").GetString() == "error").ToList();
        errors.ShouldContain(issue => issue.GetProperty("code").GetString() == "security"
            && issue.GetProperty("expression").EnumerateArray().Any(e => e.GetString() == "Patient.name"));
        var sealedText = await sealedResponse.Content.ReadAsStringAsync();
        sealedText.ShouldNotContain("\"security\"");
        sealedText.ShouldNotContain(Canary);
    }
}
