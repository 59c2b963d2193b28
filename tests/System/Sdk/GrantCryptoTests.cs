using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Reading;
using SeSPHR.Client.Records;

namespace SeSPHR.SystemTests.Sdk;

/// <summary>
/// The driver's grant cryptography end to end, with the servers' part done in memory
/// (<see cref="LocalProxy"/>): what the patient's client uploads must let exactly the granted
/// section and epochs open for exactly the grantee.
/// </summary>
public sealed class GrantCryptoTests : IDisposable
{
    private const string PlantedPulse = "73.25";

    private readonly PhrUser _patient = PhrUser.Create(Nowhere, "pat", SrsRoles.Patient, "Patient/pat");
    private readonly UserKeys _doctor = UserKeys.CreateRandom();
    private readonly UserKeys _stranger = UserKeys.CreateRandom();
    private readonly GrantBook _book = new() { PatientUserId = "pat-user-id", PatientFhirUser = "Patient/pat" };

    private static SystemEndpoints Nowhere => new(new Uri("http://127.0.0.1:9/"), new Uri("http://127.0.0.1:9/fhir/"));

    public void Dispose()
    {
        _patient.Dispose();
        _doctor.Dispose();
        _stranger.Dispose();
    }

    [Fact]
    public void Given_a_vitals_grant_When_the_doctor_opens_a_reencrypted_observation_Then_the_planted_value_comes_back()
    {
        var record = new PatientRecord(_patient, _book);
        var sealedPulse = record.Seal(Pulse("obs-1"));
        var grantee = Grant(_doctor, PhrSection.Vitals);
        var kfrag = KeyFragmentIssuer.ForGrantee(grantee, _book, _patient.Keys).Single();

        var served = LocalProxy.Reencrypt(sealedPulse, kfrag, _patient.Keys.SigningPublicKey, _doctor.DecryptionPublicKey);
        var opened = Opener(_doctor).Open(served);

        opened.Opened.ShouldBe([PhrSection.Vitals]);
        ((Quantity)((Observation)opened.Resource).Value!).Value!.Value.ShouldBe(decimal.Parse(PlantedPulse, System.Globalization.CultureInfo.InvariantCulture));
        FhirValues(sealedPulse).ShouldNotContain(PlantedPulse);
    }

    [Fact]
    public void Given_a_vitals_grant_When_its_kfrag_is_applied_to_a_medical_envelope_Then_the_cfrag_does_not_verify()
    {
        var record = new PatientRecord(_patient, _book);
        var sealedCondition = record.Seal(Diagnosis("cond-1"));
        var vitalsKfrag = KeyFragmentIssuer.ForGrantee(Grant(_doctor, PhrSection.Vitals), _book, _patient.Keys).Single();

        var served = LocalProxy.Reencrypt(sealedCondition, vitalsKfrag, _patient.Keys.SigningPublicKey, _doctor.DecryptionPublicKey);

        Should.Throw<CapsuleFragVerificationException>(() => Opener(_doctor).Open(served));
    }

    [Fact]
    public void Given_cfrags_made_for_the_doctor_When_a_stranger_uses_them_Then_nothing_opens()
    {
        var record = new PatientRecord(_patient, _book);
        var kfrag = KeyFragmentIssuer.ForGrantee(Grant(_doctor, PhrSection.Vitals), _book, _patient.Keys).Single();
        var served = LocalProxy.Reencrypt(record.Seal(Pulse("obs-2")), kfrag, _patient.Keys.SigningPublicKey, _doctor.DecryptionPublicKey);

        Should.Throw<CapsuleFragVerificationException>(() => Opener(_stranger).Open(served));
    }

    [Fact]
    public void Given_a_revocation_moved_vitals_to_a_new_epoch_When_the_old_kfrag_is_applied_to_a_new_envelope_Then_it_does_not_open()
    {
        var oldKfrag = KeyFragmentIssuer.ForGrantee(Grant(_doctor, PhrSection.Vitals), _book, _patient.Keys).Single();
        _book.Epochs[PhrSection.Vitals]++;
        var sealedAfter = new PatientRecord(_patient, _book).Seal(Pulse("obs-3"));

        EncryptedSectionExtension.ReadAll((DomainResource)sealedAfter).Single().Epoch.ShouldBe(2u);
        var served = LocalProxy.Reencrypt(sealedAfter, oldKfrag, _patient.Keys.SigningPublicKey, _doctor.DecryptionPublicKey);
        Should.Throw<CapsuleFragVerificationException>(() => Opener(_doctor).Open(served));
    }

    [Fact]
    public void Given_a_grant_made_after_two_epochs_When_kfrags_are_issued_Then_the_late_joiner_opens_both_epochs()
    {
        var early = new PatientRecord(_patient, _book).Seal(Pulse("obs-early"));
        _book.Epochs[PhrSection.Vitals]++;
        var late = new PatientRecord(_patient, _book).Seal(Pulse("obs-late"));
        var kfrags = KeyFragmentIssuer.ForGrantee(Grant(_doctor, PhrSection.Vitals), _book, _patient.Keys);

        kfrags.Select(k => k.Epoch).ShouldBe([1u, 2u]);
        Opener(_doctor).Open(LocalProxy.Reencrypt(early, kfrags[0], _patient.Keys.SigningPublicKey, _doctor.DecryptionPublicKey)).Opened.ShouldBe([PhrSection.Vitals]);
        Opener(_doctor).Open(LocalProxy.Reencrypt(late, kfrags[1], _patient.Keys.SigningPublicKey, _doctor.DecryptionPublicKey)).Opened.ShouldBe([PhrSection.Vitals]);
    }

    [Fact]
    public void Given_a_served_resource_without_cfrags_When_opened_Then_it_stays_sealed_and_nothing_is_revealed()
    {
        var sealedPulse = new PatientRecord(_patient, _book).Seal(Pulse("obs-4"));

        var opened = Opener(_doctor).Open(sealedPulse);

        opened.Opened.ShouldBeEmpty();
        opened.StillSealed.ShouldBe([PhrSection.Vitals]);
        FhirValues(opened.Resource).ShouldNotContain(PlantedPulse);
    }

    private GranteeRecord Grant(UserKeys grantee, params PhrSection[] sections)
    {
        var record = new GranteeRecord(
            "grant-" + Guid.NewGuid().ToString("N"),
            "doctor-user-id",
            "Practitioner/doc",
            Convert.ToHexStringLower(grantee.Fingerprint.ToBytes()),
            Convert.ToBase64String(grantee.DecryptionPublicKey.ToCompressedBytes()),
            sections,
            DateTimeOffset.UtcNow.AddMinutes(-1),
            null);
        _book.Grantees.Add(record);
        return record;
    }

    private SectionOpener Opener(UserKeys grantee) =>
        new(grantee.Decryption, _patient.Keys.SigningPublicKey, (section, epoch) => _patient.Keys.Sections.PublicKey(section.ToCode(), epoch));

    private static string FhirValues(Resource resource) => new FhirJsonSerializer().SerializeToString(resource);

    internal static Observation Pulse(string id) => new()
    {
        Id = id,
        Status = ObservationStatus.Final,
        Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")],
        Code = new CodeableConcept("http://loinc.org", "8867-4"),
        Subject = new ResourceReference("Patient/pat"),
        Effective = new FhirDateTime("2026-01-01T10:00:00Z"),
        Value = new Quantity(decimal.Parse(PlantedPulse, System.Globalization.CultureInfo.InvariantCulture), "/min"),
    };

    internal static Condition Diagnosis(string id) => new()
    {
        Id = id,
        Subject = new ResourceReference("Patient/pat"),
        Code = new CodeableConcept("http://snomed.info/sct", "44054006", "planted-diagnosis-canary"),
    };
}
