using System.Net;
using Hl7.Fhir.Model;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Reading;
using SeSPHR.Client.Records;
using SeSPHR.SystemTests.Infrastructure;
using SeSPHR.SystemTests.Scenarios.Support;

namespace SeSPHR.SystemTests.Scenarios;

/// <summary>
/// The story of the paper, through the real servers only: a patient registers and writes a sealed
/// record, a doctor registers and is approved, the patient grants the doctor vitals, the doctor
/// decrypts the planted vital sign but sees nothing of the medical section, the patient revokes,
/// and afterwards the doctor is served nothing and the SRS holds no kfrag for them.
/// </summary>
[Collection(RunningSystemGroup.Name)]
public sealed class GrantReadRevokeScenarioTests(SesphrSystem system)
{
    [Fact]
    public async System.Threading.Tasks.Task Given_a_vitals_grant_When_the_doctor_reads_and_the_patient_revokes_Then_only_vitals_opened_and_afterwards_nothing_is_served()
    {
        using var patient = await system.NewPatientAsync("patient");
        using var doctor = PhrUser.Create(system.Endpoints, "doctor-" + Guid.NewGuid().ToString("N")[..8], SrsRoles.Practitioner, "Practitioner/" + Guid.NewGuid().ToString("N"));
        var registration = await doctor.RegisterAsync();
        registration.Status.ShouldBe("pending");
        // A pending account cannot sign in: the SRS refuses it as it refuses a wrong password.
        await Should.ThrowAsync<SeSPHR.Client.Errors.WrongPasswordException>(() => doctor.LoginAsync());
        await system.Admin.RenewIfExpiringAsync();
        await system.Admin.Srs.ApproveAsync(registration.UserId.ToString(), await system.Admin.GetSrsAccessTokenAsync());
        await doctor.LoginAsync();

        var grants = PatientGrants.Open(patient, system.JournalFolder(patient));
        var planted = await PlantedRecord.WriteAsync(new PatientRecord(patient, grants.Book));
        var pulse = planted.Resources[PhrSection.Vitals];
        var pulseId = pulse.Id!;
        var conditionId = planted.Resources[PhrSection.Medical].Id!;

        // Before any grant the doctor is served nothing of the record.
        (await doctor.Fhir.ReadAsync("Observation", pulseId)).Status.ShouldBe(HttpStatusCode.NotFound);

        var grant = await grants.GrantAsync(doctor.FhirUser, doctor.Keys.Fingerprint, [PhrSection.Vitals]);
        (await SrsDatabaseProbe.KfragRowsForGranteeAsync(system, doctor.RequireUserId)).ShouldBeGreaterThan(0);

        var reader = new GranteeReader(doctor);
        await reader.LearnAsync(patient.FhirUser);
        var served = await doctor.Fhir.ReadAsync("Observation", pulseId);
        served.Status.ShouldBe(HttpStatusCode.OK);
        served.Body.ShouldNotContain(planted.Planted[PhrSection.Vitals]);
        var opened = reader.Open(patient.FhirUser, served.Resource!);
        opened.Opened.ShouldBe([PhrSection.Vitals]);
        var observation = (Observation)opened.Resource;
        ((Quantity)observation.Value!).Value.ShouldBe(planted.PulseValue);
        observation.Note.Single().Text.ShouldBe(planted.Planted[PhrSection.Vitals]);

        var medical = await doctor.Fhir.ReadAsync("Condition", conditionId);
        medical.Status.ShouldBe(HttpStatusCode.NotFound);
        medical.Body.ShouldNotContain(EncryptedSectionExtension.Url);
        medical.Body.ShouldNotContain(planted.Planted[PhrSection.Medical]);

        await grants.RevokeAsync(grant.ConsentId);
        grants.Book.EpochOf(PhrSection.Vitals).ShouldBe(GrantBook.FirstEpoch + 1);
        grants.Journal.OpenOperations().ShouldBeEmpty();

        var afterRevocation = await doctor.Fhir.ReadAsync("Observation", pulseId);
        afterRevocation.Status.ShouldBe(HttpStatusCode.NotFound);
        afterRevocation.Body.ShouldNotContain(EncryptedSectionExtension.Url);
        var search = await doctor.Fhir.SearchAsync("Observation", "subject=" + Uri.EscapeDataString(patient.FhirUser));
        search.Entries().OfType<Observation>().ShouldBeEmpty();
        (await SrsDatabaseProbe.KfragRowsForGranteeAsync(system, doctor.RequireUserId)).ShouldBe(0);

        // The patient still reads their own record, and new writes go to the new epoch.
        var own = await patient.Fhir.ReadAsync("Observation", pulseId);
        ((Quantity)((Observation)new PatientRecord(patient, grants.Book).OpenOwn(own.Resource!)).Value!).Value.ShouldBe(planted.PulseValue);
        var later = new PatientRecord(patient, grants.Book).Seal(pulse);
        EncryptedSectionExtension.ReadAll((DomainResource)later).Single().Epoch.ShouldBe(GrantBook.FirstEpoch + 1);
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_a_user_on_a_new_device_When_they_log_in_with_their_password_Then_their_keys_come_back_from_the_backup()
    {
        using var patient = await system.NewPatientAsync("traveller");

        using var onNewDevice = await patient.OnNewDeviceAsync();

        onNewDevice.Keys.Fingerprint.ShouldBe(patient.Keys.Fingerprint);
        onNewDevice.RequireUserId.ShouldBe(patient.RequireUserId);
        (await onNewDevice.Srs.MeAsync(await onNewDevice.GetSrsAccessTokenAsync())).Fingerprint.ShouldBe(Convert.ToHexStringLower(patient.Keys.Fingerprint.ToBytes()));
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_a_grant_to_a_key_the_patient_did_not_compare_When_granting_Then_the_client_refuses_before_anything_is_sent()
    {
        using var patient = await system.NewPatientAsync("careful");
        using var doctor = await system.NewMemberAsync("doctor", SrsRoles.Practitioner);
        using var impostor = SeSPHR.Client.Accounts.UserKeys.CreateRandom();
        var grants = PatientGrants.Open(patient, system.JournalFolder(patient));

        await Should.ThrowAsync<GrantingException>(() => grants.GrantAsync(doctor.FhirUser, impostor.Fingerprint, [PhrSection.Vitals]));

        grants.Book.Grantees.ShouldBeEmpty();
        (await SrsDatabaseProbe.KfragRowsForGranteeAsync(system, doctor.RequireUserId)).ShouldBe(0);
    }
}
