using Hl7.Fhir.Model;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Masking;
using SeSPHR.Phr.Sections;
using SeSPHR.Phr.Tests.TestSupport;

namespace SeSPHR.Phr.Tests.Envelopes;

[Collection(SharedR4Validator.Name)]
public class EncryptedSectionExtensionTests(R4BaseValidator validator)
{
    private static EncryptedSectionExtension Sample() =>
        new(PhrSection.Vitals, 3, "umbral-secp256k1/xchacha20poly1305", [1, 2, 3, 4], [9, 8, 7], [[5, 5], [6, 6]]);

    [Fact]
    public void Given_an_envelope_model_When_written_as_an_extension_and_read_back_Then_every_part_survives()
    {
        var extension = Sample().ToExtension();

        var read = EncryptedSectionExtension.FromExtension(extension);

        read.Section.ShouldBe(PhrSection.Vitals);
        read.Epoch.ShouldBe(3u);
        read.Algorithm.ShouldBe("umbral-secp256k1/xchacha20poly1305");
        read.Envelope.ShouldBe(new byte[] { 1, 2, 3, 4 });
        read.WriterKey.ShouldBe(new byte[] { 9, 8, 7 });
        read.CapsuleFragments.Count.ShouldBe(2);
        EncryptedSectionExtension.SectionCodeOf(extension).ShouldBe("vitals");
    }

    [Fact]
    public void Given_an_extension_missing_its_envelope_When_read_Then_it_is_refused()
    {
        var extension = Sample().ToExtension();
        extension.Extension.RemoveAll(part => part.Url == EncryptedSectionExtension.EnvelopeUrl);

        Should.Throw<FormatException>(() => EncryptedSectionExtension.FromExtension(extension));
    }

    [Fact]
    public void Given_a_clear_part_carrying_an_envelope_extension_When_validated_Then_it_has_zero_errors()
    {
        var observation = new Observation
        {
            Id = "w1",
            Status = ObservationStatus.Final,
            Category = [new CodeableConcept(VitalSigns.CategorySystem, VitalSigns.CategoryCode)],
            Code = new CodeableConcept("http://loinc.org", "29463-7", "Body weight"),
            Subject = new ResourceReference("Patient/p1"),
            Value = new Quantity(72.5m, "kg"),
        };
        var clear = (Observation)SectionSplitter.Split(observation).Clear;
        clear.Extension.Add(Sample().ToExtension());

        validator.Errors(clear).ShouldBeEmpty();
        EncryptedSectionExtension.ReadAll(clear).Single().Epoch.ShouldBe(3u);
    }
}
