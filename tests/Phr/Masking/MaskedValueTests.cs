using Hl7.Fhir.Model;
using SeSPHR.Phr.Masking;
using SeSPHR.Phr.Sections;
using SeSPHR.Phr.Tests.TestSupport;

namespace SeSPHR.Phr.Tests.Masking;

[Collection(SharedR4Validator.Name)]
public class MaskedValueTests(R4BaseValidator validator)
{
    public static TheoryData<string> ProtectedTypes
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var type in SectionPolicy.SupportedResourceTypes.Where(type => SectionPolicy.For(type).HasProtectedSection).Order(StringComparer.Ordinal))
            {
                data.Add(type);
            }

            return data;
        }
    }

    public static TheoryData<string> ClearTypes
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var type in SectionPolicy.SupportedResourceTypes.Where(type => !SectionPolicy.For(type).HasProtectedSection).Order(StringComparer.Ordinal))
            {
                data.Add(type);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(ProtectedTypes))]
    public void Given_a_resource_with_every_required_element_When_it_is_split_Then_each_required_element_stays_present_clear_or_masked(string resourceType)
    {
        var source = RequiredElementFiller.Create(resourceType);
        var clear = SectionSplitter.Split(source).Clear;

        var policy = SectionPolicy.For(resourceType);
        var required = Hl7.Fhir.Model.ModelInfo.ModelInspector.FindClassMapping(resourceType)!.PropertyMappings.Where(p => p.IsMandatoryElement).ToList();
        foreach (var element in required)
        {
            clear.TryGetValue(element.Name, out var value).ShouldBeTrue($"{resourceType}.{element.Name} is required");
            source.TryGetValue(element.Name, out var original).ShouldBeTrue();
            if (!policy.IsClear(source, element.Name, original!))
            {
                MaskedValue.IsPlaceholder(value).ShouldBeTrue($"{resourceType}.{element.Name} is protected, so it is masked");
            }
            else if (ClearProjection.Project(original!) is { } projection)
            {
                FhirElements.AreExactly(value!, projection).ShouldBeTrue($"{resourceType}.{element.Name} is clear");
            }
            else
            {
                MaskedValue.IsPlaceholder(value).ShouldBeTrue($"{resourceType}.{element.Name} has nothing clear, so it is masked");
            }
        }

        SharedData.Json(clear).ShouldNotContain(RequiredElementFiller.PlantedText);
    }

    [Theory]
    [MemberData(nameof(ProtectedTypes))]
    public void Given_a_resource_with_every_required_element_When_it_is_split_Then_masking_adds_no_validation_error_and_it_merges_back(string resourceType)
    {
        // Required elements alone do not make every type valid (AllergyIntolerance's ait-1 wants a
        // clinicalStatus), so the clear part is held to the source's own errors: masking adds none.
        var source = RequiredElementFiller.Create(resourceType);
        var split = SectionSplitter.Split(source);

        validator.Errors(split.Clear).Except(validator.Errors(source)).ShouldBeEmpty();
        SectionSplitter.Merge(split.Clear, split.Payloads).IsExactly(source).ShouldBeTrue();
    }

    [Theory]
    [MemberData(nameof(ClearTypes))]
    public void Given_a_type_without_a_protected_section_When_it_is_split_Then_it_stays_whole_with_no_payload(string resourceType)
    {
        var source = RequiredElementFiller.Create(resourceType);
        var split = SectionSplitter.Split(source);

        split.Payloads.ShouldBeEmpty();
        split.Clear.IsExactly(source).ShouldBeTrue();
        split.Clear.ShouldNotBeSameAs(source);
    }

    [Fact]
    public void Given_a_masked_primitive_When_serialized_Then_it_is_only_the_underscore_element_with_the_masked_extension()
    {
        var immunization = (Immunization)RequiredElementFiller.Create("Immunization");
        immunization.Occurrence = new FhirString("in childhood");

        var json = SharedData.Json(SectionSplitter.Split(immunization).Clear);

        json.ShouldContain("\"_occurrenceDateTime\":{\"extension\":[{\"url\":\"http://hl7.org/fhir/StructureDefinition/data-absent-reason\",\"valueCode\":\"masked\"}]}");
        json.ShouldNotContain("childhood");
    }

    [Fact]
    public void Given_an_observation_with_a_value_When_it_is_split_Then_the_clear_part_says_masked_in_dataAbsentReason_and_merge_removes_it()
    {
        var observation = new Observation
        {
            Id = "glucose",
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "2339-0", "Glucose"),
            Subject = new ResourceReference("Patient/p1"),
            Value = new Quantity(6.3m, "mmol/L"),
        };

        var split = SectionSplitter.Split(observation);
        var clear = (Observation)split.Clear;

        clear.Value.ShouldBeNull();
        MaskedValue.IsMaskedDataAbsentReason(clear.DataAbsentReason).ShouldBeTrue();
        MaskedValue.IsPlaceholder(clear.Code).ShouldBeTrue();
        validator.Errors(clear).ShouldBeEmpty();
        SectionSplitter.Merge(clear, split.Payloads).IsExactly(observation).ShouldBeTrue();
    }

    [Fact]
    public void Given_an_observation_without_a_value_but_with_its_own_dataAbsentReason_When_it_is_split_Then_the_reason_is_protected_and_no_masked_reason_is_added()
    {
        var observation = new Observation
        {
            Id = "not-done",
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "2339-0"),
            DataAbsentReason = new CodeableConcept("http://terminology.hl7.org/CodeSystem/data-absent-reason", "patient-refused"),
        };

        var split = SectionSplitter.Split(observation);

        ((Observation)split.Clear).DataAbsentReason.ShouldBeNull();
        SectionSplitter.Merge(split.Clear, split.Payloads).IsExactly(observation).ShouldBeTrue();
    }
}
