using System.Text;
using Hl7.Fhir.Model;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Masking;
using SeSPHR.Phr.Sections;
using SeSPHR.Phr.Tests.TestSupport;

namespace SeSPHR.Phr.Tests.Masking;

public class MergeIntegrityTests
{
    [Fact]
    public void Given_a_payload_of_another_resource_When_merged_Then_it_is_refused()
    {
        var first = SectionSplitter.Split(BodyWeight("w1"));
        var second = SectionSplitter.Split(BodyWeight("w2"));

        Should.Throw<SectionMergeException>(() => SectionSplitter.Merge(first.Clear, second.Payloads));
    }

    [Fact]
    public void Given_a_payload_whose_header_was_relabelled_When_merged_Then_it_is_refused()
    {
        var split = SectionSplitter.Split(BodyWeight("w1"));
        var relabelled = split.Payloads[0] with { Section = PhrSection.Medical };

        Should.Throw<SectionMergeException>(() => SectionSplitter.Merge(split.Clear, [relabelled]));
    }

    [Fact]
    public void Given_a_clear_part_moved_to_another_section_by_its_category_When_merged_Then_it_is_refused()
    {
        // Pain severity is in the vital-signs category but not a vital-sign code, so the code is masked.
        var painScore = BodyWeight("p1");
        painScore.Code = new CodeableConcept("http://loinc.org", "72514-3");
        var split = SectionSplitter.Split(painScore);
        var clear = (Observation)split.Clear;
        MaskedValue.IsPlaceholder(clear.Code).ShouldBeTrue();
        clear.Category = [new CodeableConcept(VitalSigns.CategorySystem, "laboratory")];

        Should.Throw<SectionMergeException>(() => SectionSplitter.Merge(clear, split.Payloads))
            .Message.ShouldBe("The payload is for section 'vitals'; the clear part is in 'medical'.");
    }

    [Fact]
    public void Given_a_clear_vital_sign_code_When_the_category_no_longer_says_vital_signs_Then_the_code_counts_as_protected_in_clear()
    {
        var split = SectionSplitter.Split(BodyWeight("w1"));
        var clear = (Observation)split.Clear;
        clear.Category = [new CodeableConcept(VitalSigns.CategorySystem, "laboratory")];

        SectionPolicy.FindProtectedInClear(clear).ShouldBe(["Observation.code"]);
        Should.Throw<SectionMergeException>(() => SectionSplitter.Merge(clear, split.Payloads));
    }

    [Fact]
    public void Given_a_clear_reference_whose_protected_detail_is_in_the_payload_When_the_server_changes_it_Then_merge_refuses()
    {
        var observation = BodyWeight("w1");
        observation.Subject = new ResourceReference("Patient/p1", "Jane Doe");
        var split = SectionSplitter.Split(observation);
        ((Observation)split.Clear).Subject!.Reference.ShouldBe("Patient/p1");
        ((Observation)split.Clear).Subject!.Display.ShouldBeNull();
        ((Observation)split.Clear).Subject = new ResourceReference("Patient/p2");

        Should.Throw<SectionMergeException>(() => SectionSplitter.Merge(split.Clear, split.Payloads))
            .Message.ShouldBe("The clear Observation.subject no longer matches the value it was split from.");
    }

    [Fact]
    public void Given_a_clean_clear_reference_When_the_server_changes_it_Then_the_bound_field_hash_the_writer_signed_no_longer_matches()
    {
        // Merge cannot see this change (the payload does not repeat a clean reference); the
        // writer's signature over the bound-field hash is what catches it.
        var split = SectionSplitter.Split(BodyWeight("w1"));
        var signedHash = BoundFields.Hash(split.Clear);
        ((Observation)split.Clear).Subject = new ResourceReference("Patient/p2");

        BoundFields.Hash(split.Clear).ShouldNotBe(signedHash);
    }

    [Fact]
    public void Given_a_protected_value_injected_in_clear_When_merged_Then_it_is_refused_without_echoing_the_value()
    {
        var split = SectionSplitter.Split(BodyWeight("w1"));
        ((Observation)split.Clear).Note.Add(new Annotation { Text = "Injected 4711" });

        var exception = Should.Throw<SectionMergeException>(() => SectionSplitter.Merge(split.Clear, split.Payloads));

        exception.Message.ShouldContain("Observation.note");
        exception.Message.ShouldNotContain("4711");
    }

    [Fact]
    public void Given_malformed_payload_bytes_When_merged_Then_it_is_refused()
    {
        var split = SectionSplitter.Split(BodyWeight("w1"));
        var payload = split.Payloads[0] with { Content = Encoding.UTF8.GetBytes("{\"format\":\"sesphr-section-payload/1\"") };

        Should.Throw<SectionMergeException>(() => SectionSplitter.Merge(split.Clear, [payload]));
    }

    [Fact]
    public void Given_no_payload_When_merged_Then_the_result_is_the_masked_clear_part()
    {
        var split = SectionSplitter.Split(BodyWeight("w1"));

        var merged = SectionSplitter.Merge(split.Clear, []);

        merged.IsExactly(split.Clear).ShouldBeTrue();
        merged.ShouldNotBeSameAs(split.Clear);
    }

    [Fact]
    public void Given_a_resource_When_split_Then_the_source_is_not_modified()
    {
        var source = BodyWeight("w1");
        var before = SharedData.Json(source);

        SectionSplitter.Split(source);

        SharedData.Json(source).ShouldBe(before);
    }

    [Fact]
    public void Given_a_server_that_set_meta_after_the_split_When_merged_Then_the_server_s_meta_is_kept_and_the_label_removed()
    {
        var source = BodyWeight("w1");
        var split = SectionSplitter.Split(source);
        split.Clear.Meta!.VersionId = "3";

        var merged = SectionSplitter.Merge(split.Clear, split.Payloads);

        merged.Meta!.VersionId.ShouldBe("3");
        merged.Meta.Security.ShouldBeEmpty();
        merged.Meta = null;
        merged.IsExactly(source).ShouldBeTrue();
    }

    [Fact]
    public void Given_a_resource_already_labelled_restricted_When_split_and_merged_Then_the_label_is_neither_doubled_nor_lost()
    {
        var source = BodyWeight("w1");
        source.Meta = new Meta { Security = [new Coding(ConfidentialityLabel.System, "R")] };

        var split = SectionSplitter.Split(source);
        split.Clear.Meta!.Security.Count.ShouldBe(1);
        var merged = SectionSplitter.Merge(split.Clear, split.Payloads);

        merged.IsExactly(source).ShouldBeTrue();
    }

    [Fact]
    public void Given_a_resource_labelled_normal_When_split_and_merged_Then_restricted_is_added_and_removed_again()
    {
        var source = BodyWeight("w1");
        source.Meta = new Meta { Security = [new Coding(ConfidentialityLabel.System, "N"), new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "PSY")] };

        var split = SectionSplitter.Split(source);
        split.Clear.Meta!.Security.Select(label => label.Code).ShouldBe(["N", "PSY", "R"]);

        SectionSplitter.Merge(split.Clear, split.Payloads).IsExactly(source).ShouldBeTrue();
    }

    [Fact]
    public void Given_a_clear_part_carrying_its_envelope_extension_When_merged_Then_the_envelope_goes_and_the_original_extensions_return()
    {
        var source = BodyWeight("w1");
        source.Extension.Add(new Extension("http://example.org/fhir/StructureDefinition/device-note", new FhirString("home scale")));
        var split = SectionSplitter.Split(source);
        var clear = (DomainResource)split.Clear;
        clear.Extension.ShouldBeEmpty();
        clear.Extension.Add(new EncryptedSectionExtension(PhrSection.Vitals, 1, "test", [1], [2], []).ToExtension());

        var merged = SectionSplitter.Merge(clear, split.Payloads);

        merged.IsExactly(source).ShouldBeTrue();
    }

    [Fact]
    public void Given_a_resource_that_already_carries_an_encrypted_section_When_split_Then_it_is_refused()
    {
        var clear = (DomainResource)SectionSplitter.Split(BodyWeight("w1")).Clear;
        clear.Extension.Add(new EncryptedSectionExtension(PhrSection.Vitals, 1, "test", [1], [2], []).ToExtension());

        Should.Throw<ArgumentException>(() => SectionSplitter.Split(clear));
    }

    [Fact]
    public void Given_a_vital_sign_observation_When_split_Then_only_the_allow_listed_elements_remain_and_the_payload_holds_the_rest()
    {
        // The code stays clear (a vital-sign LOINC code) but its free text is protected detail:
        // the payload carries the whole code, and merge checks the clear codings still match it.
        var source = BodyWeight("w1");
        source.Note.Add(new Annotation { Text = "after lunch" });

        var split = SectionSplitter.Split(source);

        SharedData.Json(split.Clear).ShouldBe(
            "{\"resourceType\":\"Observation\",\"id\":\"w1\",\"meta\":{\"security\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-Confidentiality\",\"code\":\"R\",\"display\":\"restricted\"}]}," +
            "\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"vital-signs\"}]}]," +
            "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"29463-7\"}]},\"subject\":{\"reference\":\"Patient/p1\"}," +
            "\"effectiveDateTime\":\"2021-03-04T10:00:00Z\",\"dataAbsentReason\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/data-absent-reason\",\"code\":\"masked\",\"display\":\"Masked\"}]}}");
        var payload = split.Payloads.Single();
        payload.Section.ShouldBe(PhrSection.Vitals);
        (payload.ResourceType, payload.ResourceId).ShouldBe(("Observation", "w1"));
        Encoding.UTF8.GetString(payload.Content).ShouldBe(
            "{\"format\":\"sesphr-section-payload/1\",\"section\":\"vitals\",\"resourceType\":\"Observation\",\"id\":\"w1\",\"confidentialityLabelAdded\":true," +
            "\"elements\":{\"resourceType\":\"Observation\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"29463-7\"}],\"text\":\"Body weight\"},\"valueQuantity\":{\"value\":72.5,\"unit\":\"kg\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"kg\"},\"note\":[{\"text\":\"after lunch\"}]}}");
    }

    private static Observation BodyWeight(string id) => new()
    {
        Id = id,
        Status = ObservationStatus.Final,
        Category = [new CodeableConcept(VitalSigns.CategorySystem, VitalSigns.CategoryCode)],
        Code = new CodeableConcept("http://loinc.org", "29463-7", "Body weight"),
        Subject = new ResourceReference("Patient/p1"),
        Effective = new FhirDateTime("2021-03-04T10:00:00Z"),
        Value = new Quantity(72.5m, "kg"),
    };
}
