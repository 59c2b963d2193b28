using System.Net;
using Hl7.Fhir.Model;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Grants;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Reading;
using SeSPHR.Client.Records;
using SeSPHR.SystemTests.Infrastructure;

namespace SeSPHR.SystemTests.Scenarios;

/// <summary>
/// Write grants through the real servers (DESIGN.md §4 "Writes"): the patient grants a doctor the
/// right to write vitals (Consent <c>collect</c>/<c>correct</c>, statement action write), the doctor
/// seals a pulse to the section key the statement names and signs it with its own key, the patient
/// decrypts it and accepts the doctor as its writer only because the statement names them. Without
/// the grant, after revocation, or under someone else's key, the server refuses the write.
/// </summary>
[Collection(RunningSystemGroup.Name)]
public sealed class WriteGrantScenarioTests(SesphrSystem system)
{
    private static Observation Pulse(string patientFhirUser, decimal beats, string note) => new()
    {
        Id = "pulse-" + Guid.NewGuid().ToString("N")[..12],
        Status = ObservationStatus.Final,
        Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")],
        Code = new CodeableConcept("http://loinc.org", "8867-4"),
        Subject = new ResourceReference(patientFhirUser),
        Effective = new FhirDateTime("2026-11-25T10:00:00Z"),
        Value = new Quantity(beats, "/min"),
        Note = [new Annotation { Text = new Markdown(note) }],
    };

    [Fact]
    public async System.Threading.Tasks.Task Given_a_vitals_write_grant_When_the_doctor_writes_a_pulse_Then_the_patient_decrypts_it_and_accepts_the_doctor_from_the_statement()
    {
        using var patient = await system.NewPatientAsync("writes-patient");
        using var doctor = await system.NewMemberAsync("writes-doctor", SrsRoles.Practitioner);
        var grants = PatientGrants.Open(patient, system.JournalFolder(patient));
        var record = new PatientRecord(patient, grants.Book);
        var grant = await grants.GrantAsync(doctor.FhirUser, doctor.Keys.Fingerprint, [PhrSection.Medical], writeSections: [PhrSection.Vitals]);

        // The Consent says collect/correct for vitals, the statement says write.
        var consent = (await patient.Fhir.ReadAsync("Consent", grant.ConsentId)).As<Consent>();
        var trust = new PatientTrust(patient.FhirUser, new GrantStatementVerifier(patient.RequireUserId, patient.Keys.SigningPublicKey), doctor.Keys);
        trust.Learn(consent);
        trust.Allows("vitals", GrantActions.Write, DateTimeOffset.UtcNow).ShouldBeTrue();
        trust.Allows("vitals", GrantActions.Read, DateTimeOffset.UtcNow).ShouldBeFalse();
        trust.Allows("medical", GrantActions.Read, DateTimeOffset.UtcNow).ShouldBeTrue();

        var note = "written-by-doctor-" + Guid.NewGuid().ToString("N")[..10];
        var pulse = Pulse(patient.FhirUser, 77, note);
        var writer = new GranteeWriter(doctor, new GranteeReader(doctor));
        var written = await writer.WriteAsync(patient.FhirUser, pulse);
        written.Status.ShouldBe(HttpStatusCode.Created, written.Body);
        // Write-only: the doctor's answer carries no envelope of vitals, and never the note.
        written.Body.ShouldNotContain(EncryptedSectionExtension.Url);
        written.Body.ShouldNotContain(note);

        var stored = await patient.Fhir.ReadAsync("Observation", pulse.Id!);
        stored.Status.ShouldBe(HttpStatusCode.OK);
        stored.Body.ShouldNotContain(note);
        var envelope = EncryptedSectionExtension.ReadAll((DomainResource)stored.Resource!).ShouldHaveSingleItem();
        envelope.WriterFingerprint().ShouldBe(doctor.Keys.Fingerprint);
        envelope.Epoch.ShouldBe(grants.Book.EpochOf(PhrSection.Vitals));

        var opened = (Observation)record.OpenOwnWithGranteeWrites(stored.Resource!);
        ((Quantity)opened.Value!).Value.ShouldBe(77);
        opened.Note.Single().Text.ShouldBe(note);

        // The patient's client accepts the doctor only through the statement: not as the patient.
        Should.Throw<EnvelopeSignatureException>(() => record.OpenOwn(stored.Resource!));
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_no_write_grant_or_a_revoked_one_When_the_doctor_writes_Then_the_server_refuses_with_403()
    {
        using var patient = await system.NewPatientAsync("writes-revoker");
        using var doctor = await system.NewMemberAsync("writes-doctor2", SrsRoles.Practitioner);
        var grants = PatientGrants.Open(patient, system.JournalFolder(patient));
        var record = new PatientRecord(patient, grants.Book);

        // Without any grant (the section key is public: the doctor can seal, not write).
        var beforeGrant = SectionSealer.Seal(Pulse(patient.FhirUser, 60, "no-grant"), record.KeyFor, doctor.Keys.Signer, doctor.Keys.DecryptionPublicKey);
        var refused = await doctor.Fhir.PutAsync(beforeGrant);
        refused.Status.ShouldBe(HttpStatusCode.Forbidden, refused.Body);

        // A read grant is not a write grant.
        var readOnly = await grants.GrantAsync(doctor.FhirUser, doctor.Keys.Fingerprint, [PhrSection.Vitals]);
        (await doctor.Fhir.PutAsync(beforeGrant)).Status.ShouldBe(HttpStatusCode.Forbidden);
        await grants.RevokeAsync(readOnly.ConsentId);

        var grant = await grants.GrantAsync(doctor.FhirUser, doctor.Keys.Fingerprint, [], writeSections: [PhrSection.Vitals]);
        var writer = new GranteeWriter(doctor, new GranteeReader(doctor));
        (await writer.WriteAsync(patient.FhirUser, Pulse(patient.FhirUser, 61, "granted"))).Status.ShouldBe(HttpStatusCode.Created);

        await grants.RevokeAsync(grant.ConsentId);
        var afterRevocation = SectionSealer.Seal(Pulse(patient.FhirUser, 62, "revoked"), record.KeyFor, doctor.Keys.Signer, doctor.Keys.DecryptionPublicKey);
        var late = await doctor.Fhir.PutAsync(afterRevocation);
        late.Status.ShouldBe(HttpStatusCode.Forbidden, late.Body);
        late.Body.ShouldNotContain("revoked");
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_a_write_grant_When_the_doctor_sends_an_envelope_signed_with_someone_elses_keys_Then_the_server_refuses_it()
    {
        using var patient = await system.NewPatientAsync("writes-forgery");
        using var doctor = await system.NewMemberAsync("writes-doctor3", SrsRoles.Practitioner);
        using var colleague = await system.NewMemberAsync("writes-colleague", SrsRoles.Practitioner);
        var grants = PatientGrants.Open(patient, system.JournalFolder(patient));
        var record = new PatientRecord(patient, grants.Book);
        await grants.GrantAsync(doctor.FhirUser, doctor.Keys.Fingerprint, [], writeSections: [PhrSection.Vitals]);
        await grants.GrantAsync(colleague.FhirUser, colleague.Keys.Fingerprint, [], writeSections: [PhrSection.Vitals]);

        // The doctor holds the colleague's envelope (both may write vitals), and sends it as its own.
        var byColleague = SectionSealer.Seal(Pulse(patient.FhirUser, 63, "colleague"), record.KeyFor, colleague.Keys.Signer, colleague.Keys.DecryptionPublicKey);
        var response = await doctor.Fhir.PutAsync(byColleague);
        response.Status.ShouldBe(HttpStatusCode.UnprocessableEntity, response.Body);
        response.Body.ShouldContain("vitals");
        (await patient.Fhir.ReadAsync("Observation", byColleague.Id!)).Status.ShouldBe(HttpStatusCode.NotFound);

        // Nor half and half: the colleague's signing key with the doctor's own Umbral key is nobody's fingerprint.
        var halfKeys = SectionSealer.Seal(Pulse(patient.FhirUser, 64, "half"), record.KeyFor, colleague.Keys.Signer, doctor.Keys.DecryptionPublicKey);
        (await doctor.Fhir.PutAsync(halfKeys)).Status.ShouldBe(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_an_envelope_whose_writer_the_statement_does_not_name_for_writing_When_the_patient_opens_it_Then_it_is_refused()
    {
        using var patient = await system.NewPatientAsync("writes-reader");
        using var doctor = await system.NewMemberAsync("writes-doctor4", SrsRoles.Practitioner);
        using var reader = await system.NewMemberAsync("writes-reader-only", SrsRoles.Practitioner);
        var grants = PatientGrants.Open(patient, system.JournalFolder(patient));
        var record = new PatientRecord(patient, grants.Book);
        await grants.GrantAsync(doctor.FhirUser, doctor.Keys.Fingerprint, [], writeSections: [PhrSection.Vitals]);
        await grants.GrantAsync(reader.FhirUser, reader.Keys.Fingerprint, [PhrSection.Vitals]);

        var written = await new GranteeWriter(doctor, new GranteeReader(doctor)).WriteAsync(patient.FhirUser, Pulse(patient.FhirUser, 65, "by-doctor"));
        written.Status.ShouldBe(HttpStatusCode.Created, written.Body);
        var stored = (await patient.Fhir.ReadAsync("Observation", written.Resource!.Id!)).Resource!;
        ((Quantity)((Observation)record.OpenOwnWithGranteeWrites(stored)).Value!).Value.ShouldBe(65);

        // A grantee with read only in the statement: a cloud that planted an envelope under its
        // name (the envelope as the reader would sign it) is refused by the patient's client.
        var planted = SectionSealer.Seal(Pulse(patient.FhirUser, 66, "planted"), record.KeyFor, reader.Keys.Signer, reader.Keys.DecryptionPublicKey);
        Should.Throw<EnvelopeSignatureException>(() => record.OpenOwnWithGranteeWrites(planted));

        // And a reader of vitals opens the doctor's pulse only because the statement names the doctor as a writer.
        var readerClient = new GranteeReader(reader);
        await readerClient.LearnAsync(patient.FhirUser);
        var served = await reader.Fhir.ReadAsync("Observation", stored.Id!);
        served.Status.ShouldBe(HttpStatusCode.OK, served.Body);
        var opened = readerClient.Open(patient.FhirUser, served.Resource!);
        opened.Opened.ShouldBe([PhrSection.Vitals]);
        ((Quantity)((Observation)opened.Resource).Value!).Value.ShouldBe(65);
    }
}
