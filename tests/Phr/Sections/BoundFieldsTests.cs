using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using SeSPHR.Phr.Masking;
using SeSPHR.Phr.Sections;
using SeSPHR.Phr.Tests.TestSupport;

namespace SeSPHR.Phr.Tests.Sections;

public class BoundFieldsTests
{
    public static TheoryData<string> SyntheaBundles => SharedData.Files(SharedData.SyntheaBundles());

    // Reparsing every resource twice is the slow part; three patients cover every Synthea type.
    public static TheoryData<string> SyntheaSample => SharedData.Files(
        SharedData.SyntheaBundles().Where(file => new[] { "Adolph_Smith_", "Dennis_Durgan_", "Eura_Treutel_" }.Any(Path.GetFileName(file).StartsWith)));

    [Fact]
    public void Given_a_coverage_When_its_bound_fields_are_encoded_Then_the_bytes_follow_the_documented_format()
    {
        var coverage = new Coverage
        {
            Id = "c1",
            Status = FinancialResourceStatusCodes.Active,
            Beneficiary = new ResourceReference("Patient/p1", "Jane Doe"),
            Type = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v3-ActCode", "EHCPOL"),
            Period = new Period(new FhirDateTime("2020-01-01"), null),
            Payor = [new ResourceReference("Organization/o1")],
        };

        // Hand-built from the format on BoundFields: the display is protected detail, so absent;
        // object members sorted, no whitespace.
        var expected = Concat(
            Str("sesphr-bound-fields/1"), Str("Coverage"), UInt32(3),
            Str("Coverage.beneficiary"), Str("{\"beneficiary\":{\"reference\":\"Patient/p1\"}}"),
            Str("Coverage.type"), Str("{\"type\":{\"coding\":[{\"code\":\"EHCPOL\",\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActCode\"}]}}"),
            Str("Coverage.period"), Str("{\"period\":{\"start\":\"2020-01-01\"}}"));

        BoundFields.CanonicalEncoding(coverage).ShouldBe(expected);
        BoundFields.Hash(coverage).ShouldBe(SHA256.HashData(expected));
    }

    [Fact]
    public void Given_an_absent_bound_field_When_encoded_Then_it_is_an_empty_value()
    {
        var coverage = new Coverage { Status = FinancialResourceStatusCodes.Active };

        var expected = Concat(
            Str("sesphr-bound-fields/1"), Str("Coverage"), UInt32(3),
            Str("Coverage.beneficiary"), Str(string.Empty),
            Str("Coverage.type"), Str(string.Empty),
            Str("Coverage.period"), Str(string.Empty));

        BoundFields.CanonicalEncoding(coverage).ShouldBe(expected);
    }

    [Theory]
    [MemberData(nameof(SyntheaSample))]
    public void Given_Synthea_resources_When_their_JSON_properties_are_reordered_Then_the_bound_field_hash_is_unchanged(string file)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(SharedData.Absolute(file)));
        foreach (var entry in document.RootElement.GetProperty("entry").EnumerateArray())
        {
            var json = entry.GetProperty("resource").GetRawText();
            var reordered = Reverse(JsonNode.Parse(json)!).ToJsonString();
            reordered.ShouldNotBe(json);

            BoundFields.Hash(SharedData.TryParseR4(reordered)!).ShouldBe(BoundFields.Hash(SharedData.TryParseR4(json)!));
        }
    }

    [Theory]
    [MemberData(nameof(SyntheaBundles))]
    public void Given_Synthea_resources_When_split_and_the_server_sets_meta_Then_the_clear_part_hashes_as_its_source(string file)
    {
        foreach (var source in SharedData.SupportedResourcesIn(SharedData.Absolute(file)))
        {
            var clear = SectionSplitter.Split(source).Clear;
            clear.Meta ??= new Meta();
            clear.Meta.VersionId = "7";
            clear.Meta.LastUpdated = DateTimeOffset.Parse("2024-05-06T07:08:09Z", System.Globalization.CultureInfo.InvariantCulture);
            clear.Meta.Tag.Add(new Coding("http://example.org/tags", "imported"));

            BoundFields.Hash(clear).ShouldBe(BoundFields.Hash(source), $"{source.TypeName}/{source.Id}");
        }
    }

    [Fact]
    public void Given_a_vital_sign_observation_When_a_bound_field_changes_Then_the_hash_changes()
    {
        var original = BoundFields.Hash(BodyWeight());

        BoundFields.Hash(BodyWeight(o => o.Subject = new ResourceReference("Patient/someone-else"))).ShouldNotBe(original);
        BoundFields.Hash(BodyWeight(o => o.Effective = new FhirDateTime("2021-03-05T10:00:00Z"))).ShouldNotBe(original);
        BoundFields.Hash(BodyWeight(o => o.Effective = new Period(new FhirDateTime("2021-03-04T10:00:00Z"), null))).ShouldNotBe(original);
        BoundFields.Hash(BodyWeight(o => o.Category.Add(new CodeableConcept(VitalSigns.CategorySystem, "exam")))).ShouldNotBe(original);
        BoundFields.Hash(BodyWeight(o => o.Code = new CodeableConcept("http://loinc.org", "8302-2"))).ShouldNotBe(original);
    }

    [Fact]
    public void Given_a_vital_sign_observation_When_a_protected_or_unbound_element_changes_Then_the_hash_stays()
    {
        var original = BoundFields.Hash(BodyWeight());

        BoundFields.Hash(BodyWeight(o => o.Value = new Quantity(99m, "kg"))).ShouldBe(original);
        BoundFields.Hash(BodyWeight(o => o.Subject!.Display = "Jane Doe")).ShouldBe(original);
        BoundFields.Hash(BodyWeight(o => o.Status = ObservationStatus.Amended)).ShouldBe(original);
        BoundFields.Hash(BodyWeight(o => o.Issued = DateTimeOffset.UnixEpoch)).ShouldBe(original);
        BoundFields.Hash(BodyWeight(o => o.Note.Add(new Annotation { Text = "after lunch" }))).ShouldBe(original);
    }

    [Fact]
    public void Given_a_condition_and_a_claim_When_their_dates_change_Then_the_hash_changes()
    {
        var condition = new Condition { Subject = new ResourceReference("Patient/p1"), RecordedDate = "2020-01-01" };
        var claim = new Claim { Patient = new ResourceReference("Patient/p1"), Created = "2020-01-01" };

        BoundFields.Hash(new Condition { Subject = new ResourceReference("Patient/p1"), RecordedDate = "2020-01-02" }).ShouldNotBe(BoundFields.Hash(condition));
        BoundFields.Hash(new Claim { Patient = new ResourceReference("Patient/p1"), Created = "2020-01-02" }).ShouldNotBe(BoundFields.Hash(claim));
    }

    private static Observation BodyWeight(Action<Observation>? change = null)
    {
        var observation = new Observation
        {
            Id = "w1",
            Status = ObservationStatus.Final,
            Category = [new CodeableConcept(VitalSigns.CategorySystem, VitalSigns.CategoryCode)],
            Code = new CodeableConcept("http://loinc.org", "29463-7", "Body weight"),
            Subject = new ResourceReference("Patient/p1"),
            Effective = new FhirDateTime("2021-03-04T10:00:00Z"),
            Value = new Quantity(72.5m, "kg"),
        };
        change?.Invoke(observation);
        return observation;
    }

    private static JsonNode Reverse(JsonNode node) => node switch
    {
        JsonObject obj => new JsonObject(obj.Reverse().Select(property => KeyValuePair.Create(property.Key, property.Value is null ? null : Reverse(property.Value.DeepClone())))),
        JsonArray array => new JsonArray(array.Select(item => item is null ? null : Reverse(item.DeepClone())).ToArray()),
        _ => node.DeepClone(),
    };

    private static byte[] Str(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        return Concat(UInt32((uint)bytes.Length), bytes);
    }

    private static byte[] UInt32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(part => part).ToArray();
}
