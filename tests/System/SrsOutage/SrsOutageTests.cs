using System.Net;
using Hl7.Fhir.Model;
using SeSPHR.Phr.Sections;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Reading;
using SeSPHR.Client.Records;
using SeSPHR.SystemTests.Infrastructure;
using SeSPHR.SystemTests.Scenarios.Support;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.SystemTests.SrsOutage;

/// <summary>
/// The SRS goes down (its process is killed). A grantee's read that needs re-encryption gets a 503
/// with an OperationOutcome, never a 500 and never the envelope without cfrags (a capsule the SRS
/// already re-encrypted for that grantee is replayed with that cfrag); everything that
/// needs no re-encryption goes on, since the FhirServer checks tokens with the signing keys it has
/// cached: the patient reads and writes their own record, and clear resources are served. When the
/// SRS is back the grantee reads again, and what was written meanwhile is all there.
/// </summary>
[Collection(RunningSystemGroup.Name)]
public sealed class SrsOutageTests(SesphrSystem system)
{
    [Fact]
    public async Task Given_the_SRS_is_killed_When_users_go_on_Then_reencrypting_reads_are_503_the_rest_works_and_after_restart_nothing_is_lost()
    {
        using var patient = await system.NewPatientAsync("outage");
        using var doctor = await system.NewMemberAsync("doctor", SrsRoles.Practitioner);
        var grants = PatientGrants.Open(patient, system.JournalFolder(patient));
        var record = new PatientRecord(patient, grants.Book);
        var planted = await PlantedRecord.WriteAsync(record);
        var pulseId = planted.Resources[PhrSection.Vitals].Id!;
        var grant = await grants.GrantAsync(doctor.FhirUser, doctor.Keys.Fingerprint, [PhrSection.Vitals]);
        var reader = new GranteeReader(doctor);
        await reader.LearnAsync(patient.FhirUser);
        (await reader.ReadAndOpenAsync(doctor, patient.FhirUser, "Observation", pulseId)).Opened.ShouldBe([PhrSection.Vitals]);

        var writtenDuringOutage = new List<Observation>();
        system.Srs.Crash();
        try
        {
            var own = await patient.Fhir.ReadAsync("Observation", pulseId);
            own.Status.ShouldBe(HttpStatusCode.OK, $"the patient's own read while the SRS is down: {GranteeReads.Snippet(own)}");
            ((Quantity)((Observation)record.OpenOwn(own.Resource!)).Value!).Value.ShouldBe(planted.PulseValue);

            for (var i = 0; i < 3; i++)
            {
                var pulse = (Observation)planted.Resources[PhrSection.Vitals].DeepCopy();
                pulse.Id = $"outage-{i}-" + Guid.NewGuid().ToString("N")[..8];
                pulse.Value = new Quantity(90 + i, "/min");
                var written = await record.WriteAsync(pulse);
                written.IsSuccess.ShouldBeTrue($"the patient's write while the SRS is down: {(int)written.Status} {GranteeReads.Snippet(written)}");
                writtenDuringOutage.Add(pulse);
            }

            // A capsule the SRS never re-encrypted for the doctor needs the SRS.
            var refused = await doctor.Fhir.ReadAsync("Observation", writtenDuringOutage[0].Id!);
            refused.Status.ShouldBe(HttpStatusCode.ServiceUnavailable, $"a grantee's read while the SRS is down: {GranteeReads.Snippet(refused)}");
            refused.Resource.ShouldBeOfType<OperationOutcome>();
            refused.Body.ShouldNotContain(EncryptedSectionExtension());

            // The one the SRS already re-encrypted for the doctor, under the same Consents, is
            // served with the cfrag it issued then (the FhirServer's replay): nothing new is disclosed.
            var replayed = await doctor.Fhir.ReadAsync("Observation", pulseId);
            replayed.Status.ShouldBe(HttpStatusCode.OK, $"a grantee's read of a capsule issued before the outage: {GranteeReads.Snippet(replayed)}");
            replayed.Body.ShouldContain(EncryptedSectionExtension());
            replayed.Body.ShouldNotContain(planted.Planted[PhrSection.Vitals]);

            var search = await patient.Fhir.SearchAsync("Observation", "subject=" + Uri.EscapeDataString(patient.FhirUser));
            search.Status.ShouldBe(HttpStatusCode.OK);
            var found = search.Entries().OfType<Observation>().Select(o => o.Id).ToHashSet();
            writtenDuringOutage.ShouldAllBe(o => found.Contains(o.Id));

            // A clear resource needs no re-encryption: the doctor still reads the Consent that grants them.
            var consent = await doctor.Fhir.ReadAsync("Consent", grant.ConsentId);
            consent.Status.ShouldBe(HttpStatusCode.OK, $"the doctor's read of a clear resource while the SRS is down: {GranteeReads.Snippet(consent)}");
        }
        finally
        {
            if (!system.Srs.IsRunning)
            {
                await system.Srs.StartAsync();
            }
        }

        (await reader.ReadAndOpenAsync(doctor, patient.FhirUser, "Observation", pulseId)).Opened.ShouldBe([PhrSection.Vitals]);
        foreach (var pulse in writtenDuringOutage)
        {
            var opened = await reader.ReadAndOpenAsync(doctor, patient.FhirUser, "Observation", pulse.Id!);
            ((Quantity)((Observation)opened.Resource).Value!).Value.ShouldBe(((Quantity)pulse.Value!).Value, pulse.Id!);
            var own = await patient.Fhir.ReadAsync("Observation", pulse.Id!);
            ((Quantity)((Observation)record.OpenOwn(own.Resource!)).Value!).Value.ShouldBe(((Quantity)pulse.Value!).Value, pulse.Id!);
        }
    }

    private static string EncryptedSectionExtension() => Phr.Envelopes.EncryptedSectionExtension.Url;
}
