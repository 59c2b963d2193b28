using System.Net;
using Hl7.Fhir.Model;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Reading;
using SeSPHR.Client.Records;
using SeSPHR.SystemTests.Infrastructure;
using SeSPHR.SystemTests.InsiderThreat;
using SeSPHR.SystemTests.Scenarios.Support;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.SystemTests.AccessControl;

/// <summary>
/// Forward access control (the paper's property): after a revocation the doctor reads nothing the
/// patient writes afterwards. Not because the servers behave, but because nothing the doctor could
/// have gathered helps: the SRS holds no kfrag for them, refuses even the FhirServer's own service
/// client, and every kfrag the SRS ever held for them, applied by the doctor themselves, does not
/// open a section sealed to the new epoch.
/// </summary>
[Collection(RunningSystemGroup.Name)]
public sealed class ForwardAccessControlTests(SesphrSystem system)
{
    [Fact]
    public async Task Given_a_revoked_doctor_When_the_patient_writes_afterwards_Then_no_kfrag_is_left_the_SRS_refuses_and_every_old_kfrag_fails_on_the_new_epoch()
    {
        using var patient = await system.NewPatientAsync("mover");
        using var doctor = await system.NewMemberAsync("doctor", SrsRoles.Practitioner);
        var grants = PatientGrants.Open(patient, system.JournalFolder(patient));
        var record = new PatientRecord(patient, grants.Book);
        var before = Pulse(record, 64);
        (await record.WriteAsync(before)).IsSuccess.ShouldBeTrue();

        // Everything the patient's client issues for the doctor, and everything the SRS stores for them.
        var issued = new List<KeyFrag>();
        var grant = await grants.GrantAsync(doctor.FhirUser, doctor.Keys.Fingerprint, [PhrSection.Vitals]);
        issued.AddRange(KeyFragmentIssuer.ForGrantee(grant, grants.Book, patient.Keys).Select(u => KeyFrag.FromBytes(Convert.FromBase64String(u.Kfrag!))));
        var held = await SrsKfragRows.OfGranteeAsync(system, doctor.RequireUserId);
        held.ShouldNotBeEmpty("the SRS holds no kfrag for the doctor right after the grant");
        var everyKfrag = issued.Concat(held.Select(row => KeyFrag.FromBytes(row.KeyFragBytes))).ToList();

        var reader = new GranteeReader(doctor);
        await reader.LearnAsync(patient.FhirUser);
        (await reader.ReadAndOpenAsync(doctor, patient.FhirUser, "Observation", before.Id!)).Opened.ShouldBe([PhrSection.Vitals]);

        await grants.RevokeAsync(grant.ConsentId);

        var consent = await patient.Fhir.ReadAsync("Consent", grant.ConsentId);
        consent.As<Consent>().Status.ShouldBe(Consent.ConsentState.Inactive);
        grants.Book.EpochOf(PhrSection.Vitals).ShouldBe(GrantBook.FirstEpoch + 1);
        (await SrsKfragRows.OfGranteeAsync(system, doctor.RequireUserId)).ShouldBeEmpty("kfrag rows for the revoked doctor are left in the SRS database");

        var after = Pulse(record, 71);
        (await record.WriteAsync(after)).IsSuccess.ShouldBeTrue();
        var storedAfter = (await patient.Fhir.ReadAsync("Observation", after.Id!)).Resource!;
        var storedBefore = (await patient.Fhir.ReadAsync("Observation", before.Id!)).Resource!;
        EncryptedSectionExtension.ReadAll((DomainResource)storedAfter).Single().Epoch.ShouldBe(GrantBook.FirstEpoch + 1);

        // The FhirServer's own credentials do not buy a cfrag for the doctor, for the new epoch or the old.
        using (var service = new SrsServiceClient(system.Endpoints.Srs, system.ServiceSecret))
        {
            var (status, items) = await service.ReencryptAsync(doctor.RequireUserId, [Item("after", patient, storedAfter), Item("before", patient, storedBefore)]);
            if (status == HttpStatusCode.OK)
            {
                items.Count.ShouldBe(2);
                items.ShouldAllBe(item => item.Cfrag == null && item.Refused != null, "the SRS re-encrypted for a revoked grantee");
            }
            else
            {
                ((int)status).ShouldBeInRange(400, 499, "a refusal, not a failure");
            }
        }

        (await doctor.Fhir.ReadAsync("Observation", after.Id!)).Status.ShouldBe(HttpStatusCode.NotFound);

        // The doctor applies every kfrag ever made for them to the new envelope, knowing the new
        // epoch's public key: the cfrag check or the decryption fails. The same kfrags still open
        // the old envelope (so they are real and the check can fail).
        Func<PhrSection, uint, PublicKey?> sectionKeys = (section, epoch) => patient.Keys.Sections.PublicKey(section.ToCode(), epoch);
        DatabaseOnlyAttack.Run([storedAfter], everyKfrag, [doctor.Keys.Decryption], patient.Keys.SigningPublicKey, sectionKeys)
            .ShouldBeEmpty("a kfrag of the revoked grant opened a section sealed after the revocation");
        DatabaseOnlyAttack.Run([storedBefore], everyKfrag, [doctor.Keys.Decryption], patient.Keys.SigningPublicKey, sectionKeys)
            .ShouldNotBeEmpty("the captured kfrags do not even open what they were made for");
    }

    private static ReencryptItem Item(string reference, PhrUser patient, Resource stored)
    {
        var section = EncryptedSectionExtension.ReadAll((DomainResource)stored).Single();
        var capsule = SectionEnvelope.ReadHeader(section.Envelope).Capsule;
        return new ReencryptItem(reference, patient.FhirUser, section.Section.ToCode(), section.Epoch, Convert.ToBase64String(capsule.ToBytes()));
    }

    private static Observation Pulse(PatientRecord record, int beats) => new()
    {
        Id = "pulse-" + Guid.NewGuid().ToString("N")[..12],
        Status = ObservationStatus.Final,
        Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")],
        Code = new CodeableConcept("http://loinc.org", "8867-4"),
        Subject = record.Subject,
        Effective = new FhirDateTime(DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)),
        Value = new Quantity(beats, "/min"),
    };
}
