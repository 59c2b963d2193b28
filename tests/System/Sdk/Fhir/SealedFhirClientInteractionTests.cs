using System.Net;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using Hl7.Fhir.Serialization;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Fhir;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Records;
using SeSPHR.SystemTests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.SystemTests.Sdk.Fhir;

/// <summary>
/// The rest of what an integrator does with Firely's FhirClient, through the SDK against the real
/// servers: a Synthea patient's whole transaction Bundle, searches followed page by page and with
/// <c>_include</c>, history and vread of an updated resource, a PATCH of a clear element (and the
/// refusal of one that would touch a sealed element), and a delete.
/// </summary>
[Collection(RunningSystemGroup.Name)]
public sealed class SealedFhirClientInteractionTests(SesphrSystem system)
{
    [Fact]
    public async Task Given_a_Synthea_patients_transaction_Bundle_When_the_patient_sends_it_and_pages_through_a_search_with_include_Then_every_resource_comes_back_opened()
    {
        using var patient = await system.NewPatientAsync("fhirclient-synthea");
        using var client = Record(patient).CreateFhirClient();
        var bundle = SyntheaAsPatient(patient);
        var observations = bundle.Entry.Count(e => e.Resource is Observation);

        var answer = await client.TransactionAsync(bundle);

        answer!.Entry.Count.ShouldBe(bundle.Entry.Count);
        answer.Entry.ShouldAllBe(e => e.Response!.Status!.StartsWith("201") || e.Response!.Status!.StartsWith("200"));
        var seen = 0;
        var page = await client.SearchAsync("Observation", [$"subject={patient.FhirUser}"], ["Observation:subject"], pageSize: 50);
        while (page is not null)
        {
            foreach (var resource in page.Entry.Select(e => e.Resource).OfType<Resource>())
            {
                resource.SealedSections().ShouldBeEmpty();
                if (resource is Observation observation)
                {
                    (observation.Value is not null || observation.Component.Count > 0).ShouldBeTrue($"Observation/{observation.Id} opened");
                    seen++;
                }
                else
                {
                    ((Patient)resource).Name.ShouldNotBeEmpty();
                }
            }

            page = await client.ContinueAsync(page);
        }

        seen.ShouldBe(observations);
    }

    [Fact]
    public async Task Given_an_updated_observation_When_the_patient_reads_its_history_and_first_version_Then_both_versions_come_back_opened()
    {
        using var patient = await system.NewPatientAsync("fhirclient-history");
        using var client = Record(patient).CreateFhirClient();
        var created = (await client.CreateAsync(Weight(patient.FhirUser, 70.5m)))!;
        var changed = (Observation)created.DeepCopy();
        changed.Value = new Quantity(71.25m, "kg");
        await client.UpdateAsync(changed);

        var history = await client.HistoryAsync($"Observation/{created.Id}");
        history!.Entry.Select(e => ((Quantity)((Observation)e.Resource!).Value!).Value).ShouldBe([71.25m, 70.5m], ignoreOrder: true);
        var first = await client.ReadAsync<Observation>($"Observation/{created.Id}/_history/{created.Meta!.VersionId}");
        ((Quantity)first!.Value!).Value.ShouldBe(70.5m);
    }

    [Fact]
    public async Task Given_a_sealed_observation_When_patched_on_a_clear_element_then_on_a_sealed_one_and_deleted_Then_the_clear_patch_applies_the_sealed_one_is_refused_and_the_delete_passes()
    {
        using var patient = await system.NewPatientAsync("fhirclient-patch");
        using var client = Record(patient).CreateFhirClient();
        var created = (await client.CreateAsync(Weight(patient.FhirUser, 80m)))!;

        var patched = (Observation)(await client.PatchAsync(
            new Uri($"Observation/{created.Id}", UriKind.Relative),
            Patch("replace", "Observation.status", new Code("amended"))))!;
        patched.Status.ShouldBe(ObservationStatus.Amended);
        ((Quantity)patched.Value!).Value.ShouldBe(80m);

        await Should.ThrowAsync<SealedRequestNotSupportedException>(() => client.PatchAsync(
            new Uri($"Observation/{created.Id}", UriKind.Relative),
            Patch("replace", "Observation.value", new Quantity(81m, "kg"))));

        await client.DeleteAsync($"Observation/{created.Id}");
        var gone = await Should.ThrowAsync<FhirOperationException>(() => client.ReadAsync<Observation>($"Observation/{created.Id}"));
        gone.Status.ShouldBe(HttpStatusCode.Gone);
    }

    [Fact]
    public async Task Given_the_handler_used_directly_as_a_gateway_would_When_a_JSON_patch_touches_a_sealed_element_or_a_protected_type_is_created_conditionally_Then_SealedRequestNotSupportedException_and_the_record_is_unchanged()
    {
        using var patient = await system.NewPatientAsync("handler-patch");
        using var http = new HttpClient(SealingFhirHandler.ForPatient(Record(patient))) { BaseAddress = patient.Endpoints.Fhir };
        using var created = await http.SendAsync(FhirRequest(HttpMethod.Post, "Observation", new FhirJsonSerializer().SerializeToString(Weight(patient.FhirUser, 80m))));
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var id = (await ParseAsync(created)).Id;

        using var clearPatch = await http.SendAsync(FhirRequest(HttpMethod.Patch, $"Observation/{id}", """[{"op":"replace","path":"/status","value":"amended"}]""", "application/json-patch+json"));
        clearPatch.StatusCode.ShouldBe(HttpStatusCode.OK);
        await Should.ThrowAsync<SealedRequestNotSupportedException>(() => http.SendAsync(
            FhirRequest(HttpMethod.Patch, $"Observation/{id}", """[{"op":"replace","path":"/valueQuantity/value","value":90}]""", "application/json-patch+json")));
        var conditional = FhirRequest(HttpMethod.Post, "Observation", new FhirJsonSerializer().SerializeToString(Weight(patient.FhirUser, 95m)));
        conditional.Headers.Add("If-None-Exist", "code=29463-7");
        await Should.ThrowAsync<SealedRequestNotSupportedException>(() => http.SendAsync(conditional));

        using var read = await http.GetAsync(new Uri($"Observation/{id}", UriKind.Relative));
        var observation = (Observation)await ParseAsync(read);
        observation.Status.ShouldBe(ObservationStatus.Amended);
        ((Quantity)observation.Value!).Value.ShouldBe(80m);
        using var all = await http.GetAsync(new Uri($"Observation?subject={patient.FhirUser}", UriKind.Relative));
        ((Bundle)await ParseAsync(all)).Entry.ShouldHaveSingleItem();
    }

    private static HttpRequestMessage FhirRequest(HttpMethod method, string path, string body, string mediaType = "application/fhir+json") =>
        new(method, new Uri(path, UriKind.Relative)) { Content = new StringContent(body, System.Text.Encoding.UTF8, mediaType) };

    private static async Task<Resource> ParseAsync(HttpResponseMessage response) =>
        new FhirJsonDeserializer(new DeserializerSettings { Validator = null }).DeserializeResource(await response.Content.ReadAsStringAsync());

    /// <summary>The Synthea patient as the signed-in patient: its Patient entry updates theirs, directory entries (which only their maintainers write) are left out.</summary>
    private static Bundle SyntheaAsPatient(PhrUser patient)
    {
        var bundle = new FhirJsonDeserializer(new DeserializerSettings { Validator = null })
            .DeserializeResource(File.ReadAllText(SampleRecord.SyntheaBundlePath)) as Bundle ?? throw new InvalidOperationException("Not a Bundle.");
        bundle.Entry.RemoveAll(e => e.Resource is Organization or Practitioner);
        var patientEntry = bundle.Entry.Single(e => e.Resource is Patient);
        patientEntry.Resource!.Id = patient.FhirUser["Patient/".Length..];
        patientEntry.Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = patient.FhirUser };
        return bundle;
    }

    private static Observation Weight(string patientFhirUser, decimal kilograms) => new()
    {
        Status = ObservationStatus.Final,
        Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")],
        Code = new CodeableConcept("http://loinc.org", "29463-7"),
        Subject = new ResourceReference(patientFhirUser),
        Effective = new FhirDateTime("2026-11-20T08:00:00Z"),
        Value = new Quantity(kilograms, "kg"),
    };

    private static Parameters Patch(string type, string path, DataType value)
    {
        var operation = new Parameters.ParameterComponent { Name = "operation" };
        operation.Part.Add(new Parameters.ParameterComponent { Name = "type", Value = new Code(type) });
        operation.Part.Add(new Parameters.ParameterComponent { Name = "path", Value = new FhirString(path) });
        operation.Part.Add(new Parameters.ParameterComponent { Name = "value", Value = value });
        return new Parameters { Parameter = [operation] };
    }

    private PatientRecord Record(PhrUser patient) => new(patient, PatientGrants.Open(patient, system.JournalFolder(patient)).Book);
}
