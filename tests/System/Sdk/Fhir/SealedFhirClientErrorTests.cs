using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Errors;
using SeSPHR.Client.Fhir;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Records;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;
using SeSPHR.SystemTests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.SystemTests.Sdk.Fhir;

/// <summary>
/// A cloud that tampers with what it serves (<see cref="TamperingServer"/>) is caught by the SDK's
/// FhirClient, each way with its own typed error a caller can act on: an altered envelope, a cfrag
/// made for another capsule, and an envelope signed by a writer the patient's grant statement does not
/// name. Nothing of such a resource reaches the caller.
/// </summary>
[Collection(RunningSystemGroup.Name)]
public sealed class SealedFhirClientErrorTests(SesphrSystem system)
{
    [Fact]
    public async Task Given_a_server_that_alters_a_sealed_envelope_When_the_patient_reads_it_Then_TamperedEnvelopeException()
    {
        using var patient = await system.NewPatientAsync("tamper-patient");
        var record = new PatientRecord(patient, PatientGrants.Open(patient, system.JournalFolder(patient)).Book);
        using var cloud = new TamperingServer();
        using var client = Client(SealingFhirHandler.ForPatient(record, cloud), patient);
        var pulse = await client.CreateAsync(Pulse(patient.FhirUser, 71));

        cloud.Alter = resource => ReplaceEnvelopes((DomainResource)resource, envelope =>
        {
            var bytes = (byte[])envelope.Envelope.Clone();
            bytes[^1] ^= 0x01;
            return envelope with { Envelope = bytes };
        });

        await Should.ThrowAsync<TamperedEnvelopeException>(() => client.ReadAsync<Observation>($"Observation/{pulse!.Id}"));
    }

    [Fact]
    public async Task Given_a_server_that_attaches_the_cfrag_of_another_capsule_When_the_doctor_reads_Then_InvalidCapsuleFragmentException()
    {
        using var patient = await system.NewPatientAsync("cfrag-patient");
        using var doctor = await system.NewMemberAsync("cfrag-doctor", SrsRoles.Practitioner);
        var grants = PatientGrants.Open(patient, system.JournalFolder(patient));
        await grants.GrantAsync(doctor.FhirUser, doctor.Keys.Fingerprint, [PhrSection.Vitals]);
        using var patientClient = new PatientRecord(patient, grants.Book).CreateFhirClient();
        var first = await patientClient.CreateAsync(Pulse(patient.FhirUser, 72));
        var second = await patientClient.CreateAsync(Pulse(patient.FhirUser, 73));
        using var cloud = new TamperingServer();
        using var doctorClient = Client(SealingFhirHandler.ForGrantee(doctor, cloud), doctor);
        (await doctorClient.ReadAsync<Observation>($"Observation/{first!.Id}"))!.SealedSections().ShouldBeEmpty();

        // The second pulse's cfrag, served with the first pulse: a valid cfrag, for another capsule.
        cloud.Alter = resource =>
        {
            var entries = ((Bundle)resource).Entry.Select(e => (DomainResource)e.Resource!).ToList();
            var other = EncryptedSectionExtension.ReadAll(entries.Single(e => e.Id == second!.Id)).Single().CapsuleFragments;
            ReplaceEnvelopes(entries.Single(e => e.Id == first!.Id), envelope => envelope with { CapsuleFragments = other });
        };

        await Should.ThrowAsync<InvalidCapsuleFragmentException>(
            () => doctorClient.SearchAsync("Observation", [$"_id={first.Id},{second!.Id}"]));
    }

    [Fact]
    public async Task Given_a_server_that_serves_an_envelope_signed_by_a_reader_the_statement_does_not_name_for_writing_When_the_patient_reads_Then_UntrustedWriterException()
    {
        using var patient = await system.NewPatientAsync("writer-patient");
        using var reader = await system.NewMemberAsync("writer-reader", SrsRoles.Practitioner);
        var grants = PatientGrants.Open(patient, system.JournalFolder(patient));
        await grants.GrantAsync(reader.FhirUser, reader.Keys.Fingerprint, [PhrSection.Vitals]);
        var record = new PatientRecord(patient, grants.Book);
        using var cloud = new TamperingServer();
        using var client = Client(SealingFhirHandler.ForPatient(record, cloud), patient);
        var pulse = await client.CreateAsync(Pulse(patient.FhirUser, 74));

        // The same pulse sealed to the right section key, but signed by the reader (who may only read).
        var planted = (DomainResource)SectionSealer.Seal(Pulse(patient.FhirUser, 140, pulse!.Id), record.KeyFor, reader.Keys.Signer, reader.Keys.DecryptionPublicKey);
        cloud.Alter = resource => ReplaceEnvelopes((DomainResource)resource, _ => EncryptedSectionExtension.ReadAll(planted).Single());

        await Should.ThrowAsync<UntrustedWriterException>(() => client.ReadAsync<Observation>($"Observation/{pulse.Id}"));
    }

    private static FhirClient Client(SealingFhirHandler handler, PhrUser user) =>
        new(user.Endpoints.Fhir, SealedFhirClients.DefaultSettings(), handler);

    private static Observation Pulse(string patientFhirUser, decimal beats, string? id = null) => new()
    {
        Id = id,
        Status = ObservationStatus.Final,
        Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")],
        Code = new CodeableConcept("http://loinc.org", "8867-4"),
        Subject = new ResourceReference(patientFhirUser),
        Effective = new FhirDateTime("2026-11-25T10:00:00Z"),
        Value = new Quantity(beats, "/min"),
    };

    private static void ReplaceEnvelopes(DomainResource resource, Func<EncryptedSectionExtension, EncryptedSectionExtension> change)
    {
        for (var i = 0; i < resource.Extension.Count; i++)
        {
            if (EncryptedSectionExtension.IsEncryptedSection(resource.Extension[i]))
            {
                resource.Extension[i] = change(EncryptedSectionExtension.FromExtension(resource.Extension[i])).ToExtension();
            }
        }
    }
}
