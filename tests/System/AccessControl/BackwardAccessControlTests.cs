using Hl7.Fhir.Model;
using SeSPHR.Phr.Sections;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Reading;
using SeSPHR.Client.Records;
using SeSPHR.SystemTests.Infrastructure;
using SeSPHR.SystemTests.Scenarios.Support;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.SystemTests.AccessControl;

/// <summary>
/// Backward access control (the paper's property): a grant opens what was written before it, and
/// it does so without the patient's client or anyone else re-encrypting or rewriting stored data.
/// The ciphertext the cloud holds stays byte for byte what the patient wrote a year ago; only the
/// SRS's new kfrag makes it readable to the doctor.
/// </summary>
[Collection(RunningSystemGroup.Name)]
public sealed class BackwardAccessControlTests(SesphrSystem system)
{
    [Fact]
    public async Task Given_vitals_written_last_year_When_the_patient_grants_a_doctor_now_Then_the_doctor_decrypts_all_and_no_stored_ciphertext_changed()
    {
        using var patient = await system.NewPatientAsync("historian");
        using var doctor = await system.NewMemberAsync("doctor", SrsRoles.Practitioner);
        var grants = PatientGrants.Open(patient, system.JournalFolder(patient));
        var record = new PatientRecord(patient, grants.Book);
        var lastYear = DateTimeOffset.UtcNow.AddYears(-1);
        var vitals = Enumerable.Range(0, 4).Select(i => LastYearsPulse(record, lastYear.AddDays(7 * i), 58 + i)).ToList();
        foreach (var pulse in vitals)
        {
            var written = await record.WriteAsync(pulse);
            written.IsSuccess.ShouldBeTrue($"writing {pulse.Id}: {(int)written.Status} {GranteeReads.Snippet(written)}");
        }

        var before = new Dictionary<string, StoredState>();
        foreach (var pulse in vitals)
        {
            before[pulse.Id!] = await StoredState.ReadAsync(patient, "Observation", pulse.Id!);
            before[pulse.Id!].EnvelopesHex.Keys.ShouldBe([PhrSection.Vitals.ToCode()]);
        }

        await grants.GrantAsync(doctor.FhirUser, doctor.Keys.Fingerprint, [PhrSection.Vitals]);

        var reader = new GranteeReader(doctor);
        await reader.LearnAsync(patient.FhirUser);
        foreach (var pulse in vitals)
        {
            var opened = await reader.ReadAndOpenAsync(doctor, patient.FhirUser, "Observation", pulse.Id!);
            opened.Opened.ShouldBe([PhrSection.Vitals], pulse.Id);
            var observation = (Observation)opened.Resource;
            ((Quantity)observation.Value!).Value.ShouldBe(((Quantity)pulse.Value!).Value, pulse.Id!);
            observation.Note.Single().Text.ShouldBe(pulse.Note.Single().Text);
            ((FhirDateTime)observation.Effective!).Value.ShouldBe(((FhirDateTime)pulse.Effective!).Value);
        }

        foreach (var pulse in vitals)
        {
            var after = await StoredState.ReadAsync(patient, "Observation", pulse.Id!);
            after.VersionId.ShouldBe(before[pulse.Id!].VersionId, $"{pulse.Id} got a new version through the grant");
            after.EnvelopesHex.ShouldBe(before[pulse.Id!].EnvelopesHex, $"{pulse.Id}'s envelope bytes changed through the grant");
            var history = await patient.Fhir.HistoryAsync("Observation", pulse.Id!);
            history.Entries().Count.ShouldBe(1, $"{pulse.Id} has more than the one version the patient wrote");
        }
    }

    /// <summary>A pulse measured at <paramref name="measured"/> (a year back) and written now, with a note only this resource carries.</summary>
    private static Observation LastYearsPulse(PatientRecord record, DateTimeOffset measured, int beats) => new()
    {
        Id = "old-pulse-" + Guid.NewGuid().ToString("N")[..12],
        Status = ObservationStatus.Final,
        Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")],
        Code = new CodeableConcept("http://loinc.org", "8867-4"),
        Subject = record.Subject,
        Effective = new FhirDateTime(measured.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)),
        Value = new Quantity(beats, "/min"),
        Note = [new Annotation { Text = new Markdown("last-year-" + Guid.NewGuid().ToString("N")[..10]) }],
    };
}
