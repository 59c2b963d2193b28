using Hl7.Fhir.Model;
using SeSPHR.Crypto.Envelopes;
using KeyFingerprint = SeSPHR.Crypto.Grants.KeyFingerprint;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Phr.Tests.Envelopes;

/// <summary>An envelope names its writer's two public keys, so anyone can compute the writer's key fingerprint.</summary>
public sealed class WriterFingerprintTests : IDisposable
{
    private readonly SectionKeys _patientKeys = SectionKeys.FromMasterSecret(Enumerable.Repeat((byte)7, 32).ToArray());
    private readonly SecretKey _writerUmbral = SecretKey.Random();
    private readonly Signer _writer = new(SecretKey.Random());

    public void Dispose() => _patientKeys.Dispose();

    private SectionKey KeyFor(PhrSection section) => new(1, _patientKeys.PublicKey(section.ToCode(), 1));

    private static Observation Pulse() => new()
    {
        Id = "pulse-1",
        Status = ObservationStatus.Final,
        Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")],
        Code = new CodeableConcept("http://loinc.org", "8867-4"),
        Subject = new ResourceReference("Patient/p"),
        Value = new Quantity(61, "/min", "http://unitsofmeasure.org"),
    };

    [Fact]
    public void Given_an_envelope_sealed_with_the_writers_umbral_key_When_read_back_Then_its_fingerprint_is_the_writers()
    {
        var sealedResource = (DomainResource)SectionSealer.Seal(Pulse(), KeyFor, _writer, _writerUmbral.PublicKey);
        var envelope = EncryptedSectionExtension.ReadAll(sealedResource).ShouldHaveSingleItem();
        envelope.WriterFingerprint().ShouldBe(KeyFingerprint.Compute(_writerUmbral.PublicKey, _writer.VerifyingKey));
        envelope.WriterFingerprint().ShouldNotBe(KeyFingerprint.Compute(SecretKey.Random().PublicKey, _writer.VerifyingKey));
    }

    [Fact]
    public void Given_an_envelope_sealed_without_it_When_read_back_Then_it_has_no_fingerprint()
    {
        var sealedResource = (DomainResource)SectionSealer.Seal(Pulse(), KeyFor, _writer);
        EncryptedSectionExtension.ReadAll(sealedResource).ShouldHaveSingleItem().WriterFingerprint().ShouldBeNull();
    }

    [Fact]
    public void Given_two_umbral_keys_on_one_envelope_When_read_Then_it_is_malformed()
    {
        var sealedResource = (DomainResource)SectionSealer.Seal(Pulse(), KeyFor, _writer, _writerUmbral.PublicKey);
        var extension = sealedResource.Extension.Single(EncryptedSectionExtension.IsEncryptedSection);
        extension.Extension.Add(new Extension(EncryptedSectionExtension.WriterUmbralKeyUrl, new Base64Binary(_writerUmbral.PublicKey.ToCompressedBytes())));
        Should.Throw<FormatException>(() => EncryptedSectionExtension.ReadAll(sealedResource));
    }
}
