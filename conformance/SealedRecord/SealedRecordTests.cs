using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Fhir;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Records;
using SeSPHR.Conformance.Infrastructure;
using SeSPHR.Contracts;
using SeSPHR.Testing;

namespace SeSPHR.Conformance.SealedRecord;

/// <summary>
/// A patient's record as an integrator meets it: the SDK's FhirClient against the deployed pair of
/// servers. What the integrator writes in the clear reads back in the clear, and what the cloud holds
/// and answers to anyone without the keys is sealed.
/// </summary>
public sealed class SealedRecordTests(SealedSystem system) : IClassFixture<SealedSystem>, IDisposable
{
    private readonly string _journal = Directory.CreateTempSubdirectory("sesphr-journal-").FullName;

    [Fact]
    public async System.Threading.Tasks.Task Given_a_new_patient_When_they_write_a_pulse_through_the_SDK_Then_it_reads_back_in_the_clear_and_the_server_holds_it_sealed()
    {
        using var patient = await NewPatientAsync();
        using var fhir = new PatientRecord(patient, PatientGrants.Open(patient, _journal).Book).CreateFhirClient();
        var marker = "pulse-note-" + Guid.NewGuid().ToString("N");

        var created = await fhir.CreateAsync(Pulse(patient, 72, marker));
        var back = await fhir.ReadAsync<Observation>($"Observation/{created!.Id}");

        ((Quantity)back!.Value!).Value.ShouldBe(72m);
        back.Note.Single().Text.ShouldBe(marker);
        back.SealedSections().ShouldBeEmpty();

        // The same resource as the FhirServer answers it to the patient's own token, without the SDK.
        using var raw = new FhirClient(system.Endpoints.Fhir, new FhirClientSettings { PreferredFormat = ResourceFormat.Json, VerifyFhirVersion = false }, patient.CreateFhirHandler());
        var stored = await raw.ReadAsync<Observation>($"Observation/{created.Id}");
        stored!.Value.ShouldBeNull();
        stored.Note.ShouldBeEmpty();
        if (system.FhirDatabase is not null)
        {
            (await PostgresTools.DumpAsync(system.FhirDatabase.Name)).ShouldNotContain(marker);
        }
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_a_sealed_pulse_When_the_patient_searches_through_the_SDK_Then_every_match_comes_back_opened()
    {
        using var patient = await NewPatientAsync();
        using var fhir = new PatientRecord(patient, PatientGrants.Open(patient, _journal).Book).CreateFhirClient();
        await fhir.CreateAsync(Pulse(patient, 64, "first"));
        await fhir.CreateAsync(Pulse(patient, 66, "second"));

        var page = await fhir.SearchAsync<Observation>(["subject=" + patient.FhirUser]);

        page!.Entry.Select(e => ((Quantity)((Observation)e.Resource!).Value!).Value).Order().ShouldBe([64m, 66m]);
    }

    public void Dispose() => Directory.Delete(_journal, recursive: true);

    private async Task<PhrUser> NewPatientAsync()
    {
        var patient = PhrUser.Create(system.Endpoints, "conformance-" + Guid.NewGuid().ToString("N")[..12], SrsRoles.Patient, "Patient/" + Guid.NewGuid().ToString("N"));
        await patient.RegisterAsync();
        await patient.LoginAsync();
        return patient;
    }

    private static Observation Pulse(PhrUser patient, decimal beatsPerMinute, string note) => new()
    {
        Status = ObservationStatus.Final,
        Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")],
        Code = new CodeableConcept("http://loinc.org", "8867-4", "Heart rate"),
        Subject = new ResourceReference(patient.FhirUser),
        Effective = new FhirDateTime(DateTimeOffset.UtcNow),
        Value = new Quantity(beatsPerMinute, "/min", "http://unitsofmeasure.org"),
        Note = [new Annotation { Text = note }],
    };
}
