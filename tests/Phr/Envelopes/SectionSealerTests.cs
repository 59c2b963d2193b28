using Hl7.Fhir.Model;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;
using SeSPHR.Phr.Tests.TestSupport;

namespace SeSPHR.Phr.Tests.Envelopes;

public sealed class SectionSealerTests : IDisposable
{
    private readonly SectionKeys _patientKeys = SectionKeys.FromMasterSecret(Enumerable.Repeat((byte)7, 32).ToArray());
    private readonly Signer _patient = new(SecretKey.Random());
    private readonly Signer _stranger = new(SecretKey.Random());

    public void Dispose() => _patientKeys.Dispose();

    private SectionKey KeyFor(PhrSection section) => new(3, _patientKeys.PublicKey(section.ToCode(), 3));

    private EnvelopeRecipient Owner(EncryptedSectionExtension sealedSection) =>
        EnvelopeRecipient.Owner(_patientKeys.SecretKey(sealedSection.Section.ToCode(), sealedSection.Epoch));

    private bool OnlyThePatient(PhrSection section, PublicKey writer) => writer.Equals(_patient.VerifyingKey);

    public static TheoryData<string> FirstBundle() => SharedData.Files(SharedData.SyntheaBundles().Take(1));

    [Theory]
    [MemberData(nameof(FirstBundle))]
    public void Given_every_resource_of_a_synthea_patient_When_sealed_and_opened_by_the_owner_Then_it_equals_the_source(string bundle)
    {
        var resources = SharedData.SupportedResourcesIn(SharedData.Absolute(bundle)).ToList();
        resources.Count.ShouldBeGreaterThan(50);

        foreach (var source in resources)
        {
            source.Id ??= Guid.NewGuid().ToString();
            var sealedResource = SectionSealer.Seal((Resource)source.DeepCopy(), KeyFor, _patient);
            var opened = SectionSealer.Open(sealedResource, Owner, OnlyThePatient);

            opened.IsExactly(source).ShouldBeTrue($"{source.TypeName}/{source.Id}");
            SectionPolicy.FindProtectedInClear(sealedResource).ShouldBeEmpty();
        }
    }

    [Fact]
    public void Given_a_sealed_observation_When_its_subject_is_changed_Then_it_no_longer_opens()
    {
        var sealedResource = (Observation)SectionSealer.Seal(HeartRate(), KeyFor, _patient);
        sealedResource.Subject = new ResourceReference("Patient/someone-else");

        Should.Throw<EnvelopeSignatureException>(() => SectionSealer.Open(sealedResource, Owner, OnlyThePatient));
    }

    [Fact]
    public void Given_an_envelope_written_by_a_stranger_When_opened_Then_it_is_refused_before_decryption()
    {
        var sealedResource = SectionSealer.Seal(HeartRate(), KeyFor, _stranger);

        Should.Throw<EnvelopeSignatureException>(() => SectionSealer.Open(sealedResource, Owner, OnlyThePatient));
    }

    [Fact]
    public void Given_a_sealed_resource_When_its_id_changes_Then_the_envelope_does_not_open()
    {
        var sealedResource = SectionSealer.Seal(HeartRate(), KeyFor, _patient);
        sealedResource.Id = "moved";

        Should.Throw<EnvelopeSignatureException>(() => SectionSealer.Open(sealedResource, Owner, OnlyThePatient));
    }

    [Fact]
    public void Given_a_resource_without_an_id_When_sealed_Then_it_is_refused()
    {
        var observation = HeartRate();
        observation.Id = null;

        Should.Throw<ArgumentException>(() => SectionSealer.Seal(observation, KeyFor, _patient));
    }

    private static Observation HeartRate() => new()
    {
        Id = "hr-1",
        Status = ObservationStatus.Final,
        Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")],
        Code = new CodeableConcept("http://loinc.org", "8867-4"),
        Subject = new ResourceReference("Patient/p1"),
        Effective = new FhirDateTime("2020-01-01T10:00:00Z"),
        Value = new Quantity(72, "/min"),
        Note = [new Annotation { Text = new Markdown("planted-canary-note") }],
    };
}
