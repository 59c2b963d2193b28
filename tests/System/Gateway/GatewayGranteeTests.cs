using System.Net;
using System.Net.Http.Headers;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using SeSPHR.Cli.Gateway;
using SeSPHR.Client.Fhir;
using SeSPHR.Client.Grants;
using SeSPHR.Phr.Sections;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.SystemTests.Gateway;

/// <summary>
/// A doctor's own gateway on the doctor's machine: the patient granted the vitals section only, so
/// through it an unmodified FHIR client reads the patient's vital signs in the clear, gets the
/// Patient with the personal section still sealed and marked, and does not get a lab result at all.
/// </summary>
[Collection(GatewaySceneGroup.Name)]
public sealed class GatewayGranteeTests(GatewayScene scene)
{
    [Fact]
    public async Task Given_a_doctor_granted_vitals_When_FhirClient_reads_through_the_doctors_gateway_Then_vitals_open_and_the_rest_stays_sealed_or_hidden()
    {
        using var doctor = await scene.System.NewMemberAsync("gateway-doctor", SrsRoles.Practitioner);
        await PatientGrants.Open(scene.Patient, scene.System.JournalFolder(scene.Patient)).GrantAsync(doctor.FhirUser, doctor.Keys.Fingerprint, [PhrSection.Vitals]);
        var token = GatewayToken.Create();
        var (app, gatewayBase) = await GatewayScene.StartAsync(new GatewayUser(doctor, scene.System.JournalFolder(doctor)), token);
        await using var _ = app;
        using var client = new FhirClient(gatewayBase, new FhirClientSettings { PreferredFormat = ResourceFormat.Json, VerifyFhirVersion = false });
        client.RequestHeaders!.Authorization = new AuthenticationHeaderValue("Bearer", token.Value);
        var observations = scene.Source.OfType<Observation>().ToList();
        var vital = observations.First(VitalSigns.IsVitalSignsObservation);
        var lab = observations.First(o => !VitalSigns.IsVitalSignsObservation(o));
        var patient = scene.Source.OfType<Patient>().Single();

        var vitalRead = await client.ReadAsync<Observation>($"Observation/{vital.Id}");
        var patientRead = await client.ReadAsync<Patient>($"Patient/{patient.Id}");
        var labRead = await Should.ThrowAsync<FhirOperationException>(() => client.ReadAsync<Observation>($"Observation/{lab.Id}"));

        vitalRead.ShouldNotBeNull().ShouldEqualSource(vital);
        patientRead.ShouldNotBeNull().SealedSections().ShouldBe([PhrSection.Personal]);
        patientRead.Name.ShouldBeEmpty();
        labRead.Status.ShouldBe(HttpStatusCode.NotFound);
    }
}
