using System.Text.Json;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Umbral;
using SeSPHR.FhirServer.Features.Access;
using SeSPHR.Phr.Envelopes;

namespace SeSPHR.FhirServer.Tests.Features.Access.Enforcement;

/// <summary>
/// The read path edits envelopes in the stored JSON (EncryptedSectionsJson) instead of the FHIR
/// model: it must read what the model reads, withhold what the model could not read, and leave a
/// resource the model still parses to the same envelopes.
/// </summary>
public sealed class EncryptedSectionsJsonTests
{
    private static readonly JsonSerializerOptions Fhir = new JsonSerializerOptions().ForFhir(ModelInfo.ModelInspector);

    [Fact]
    public void A_sealed_resource_gives_the_section_and_header_the_model_gives_and_takes_a_cfrag_the_model_reads()
    {
        var observation = Sealed();
        var stored = JsonSerializer.Serialize(observation, Fhir);
        var expected = SectionEnvelope.ReadRelayHeader(EncryptedSectionExtension.ReadAll(observation).Single().Envelope);

        var json = EncryptedSectionsJson.Parse(stored).ShouldNotBeNull();
        var section = json.Sections().ShouldHaveSingleItem();
        section.Code.ShouldBe("vitals");
        var header = section.Header.ShouldNotBeNull();
        header.Epoch.ShouldBe(expected.Epoch);
        header.Capsule.ShouldBe(expected.Capsule);
        section.AddCapsuleFragment(Convert.ToBase64String([0xfb, 0xff, 0x3e]));

        var served = JsonSerializer.Deserialize<Observation>(json.ToJson(), Fhir)!;
        var envelope = EncryptedSectionExtension.ReadAll(served).ShouldHaveSingleItem();
        envelope.Envelope.ShouldBe(EncryptedSectionExtension.ReadAll(observation).Single().Envelope);
        envelope.CapsuleFragments.ShouldHaveSingleItem().ShouldBe(new byte[] { 0xfb, 0xff, 0x3e });
        json.ToJson().ShouldContain("\"+/8+\"");
    }

    [Fact]
    public void Stored_cfrags_are_gone_before_any_is_added()
    {
        var observation = Sealed();
        observation.Extension.Single(EncryptedSectionExtension.IsEncryptedSection).Extension
            .Add(new Extension(EncryptedSectionExtension.CapsuleFragmentUrl, new Base64Binary([1, 2, 3])));

        var json = EncryptedSectionsJson.Parse(JsonSerializer.Serialize(observation, Fhir)).ShouldNotBeNull();
        json.Sections().ShouldHaveSingleItem();

        EncryptedSectionExtension.ReadAll(JsonSerializer.Deserialize<Observation>(json.ToJson(), Fhir)!).Single().CapsuleFragments.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("section", "two")]
    [InlineData("epoch", "missing")]
    [InlineData("envelope", "not base64")]
    [InlineData("envelope", "wrong type")]
    [InlineData("writer-umbral-key", "two")]
    public void An_extension_the_model_could_not_read_has_no_header(string part, string damage)
    {
        var stored = JsonNode.Parse(JsonSerializer.Serialize(Sealed(), Fhir))!.AsObject();
        var parts = stored["extension"]![0]!["extension"]!.AsArray();
        var target = parts.FirstOrDefault(p => p!["url"]!.GetValue<string>() == part)
            ?? new JsonObject { ["url"] = part, ["valueBase64Binary"] = "AAAA" };
        switch (damage)
        {
            case "two":
                parts.Add(target.DeepClone());
                if (!parts.Contains(target))
                    parts.Add(target.DeepClone());
                break;
            case "missing":
                parts.Remove(target);
                break;
            case "not base64":
                target["valueBase64Binary"] = "not base64!";
                break;
            case "wrong type":
                target.AsObject().Remove("valueBase64Binary");
                target["valueString"] = "AAAA";
                break;
        }

        var json = EncryptedSectionsJson.Parse(stored.ToJsonString()).ShouldNotBeNull();

        json.Sections().ShouldHaveSingleItem().Header.ShouldBeNull();
    }

    [Fact]
    public void Withholding_every_envelope_leaves_no_empty_extension_array_and_the_clear_part_as_it_was()
    {
        var observation = Sealed();
        observation.Status = ObservationStatus.Final;
        observation.Subject = new ResourceReference("Patient/pat", "Zoë Ångström <ö>");
        var stored = JsonSerializer.Serialize(observation, Fhir);

        var json = EncryptedSectionsJson.Parse(stored).ShouldNotBeNull();
        foreach (var section in json.Sections())
            section.Withhold();
        var served = json.ToJson();

        JsonNode.Parse(served)!.AsObject().ContainsKey("extension").ShouldBeFalse();
        served.ShouldContain("Zoë Ångström <ö>");
        JsonSerializer.Deserialize<Observation>(served, Fhir)!.Subject!.Reference.ShouldBe("Patient/pat");
    }

    [Fact]
    public void A_resource_that_is_not_a_DomainResource_is_not_shaped()
    {
        EncryptedSectionsJson.Parse("""{"resourceType":"Bundle","type":"collection"}""").ShouldBeNull();
        EncryptedSectionsJson.Parse("[]").ShouldBeNull();
    }

    private static Observation Sealed()
    {
        using var sectionKey = SecretKey.Random();
        using var writerKey = SecretKey.Random();
        using var writerUmbral = SecretKey.Random();
        var vital = new Observation
        {
            Id = "v1",
            Status = ObservationStatus.Final,
            Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")],
            Code = new CodeableConcept("http://loinc.org", "8867-4"),
            Subject = new ResourceReference("Patient/pat"),
            Effective = new FhirDateTime("2026-03-01T10:00:00Z"),
            Value = new Quantity(72, "/min", "http://unitsofmeasure.org"),
        };
        return (Observation)SectionSealer.Seal(vital, _ => new SectionKey(3, sectionKey.PublicKey), new Signer(writerKey), writerUmbral.PublicKey);
    }
}
