using Hl7.Fhir.Model;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Masking;
using SeSPHR.Phr.Sections;
using SeSPHR.Phr.Tests.TestSupport;

namespace SeSPHR.Phr.Tests.Sections;

public class FindProtectedInClearTests
{
    private const string Canary = "Canary value 7f3a";

    // One protected element per type, planted into an otherwise clean clear part, and the path the server names.
    private static readonly Dictionary<string, (Action<Resource> Plant, string Path)> PlantedPerType = new()
    {
        ["Patient"] = (r => ((Patient)r).Name = [new HumanName { Family = Canary }], "Patient.name"),
        ["RelatedPerson"] = (r => ((RelatedPerson)r).Telecom = [new ContactPoint { Value = Canary }], "RelatedPerson.telecom"),
        ["Observation"] = (r => ((Observation)r).Value = new Quantity(72.5m, "kg"), "Observation.value.ofType(Quantity)"),
        ["Condition"] = (r => ((Condition)r).Code = new CodeableConcept { Text = Canary }, "Condition.code"),
        ["AllergyIntolerance"] = (r => ((AllergyIntolerance)r).Code = new CodeableConcept { Text = Canary }, "AllergyIntolerance.code"),
        ["Procedure"] = (r => ((Procedure)r).Code = new CodeableConcept { Text = Canary }, "Procedure.code"),
        ["DiagnosticReport"] = (r => ((DiagnosticReport)r).Conclusion = Canary, "DiagnosticReport.conclusion"),
        ["Immunization"] = (r => ((Immunization)r).VaccineCode = new CodeableConcept { Text = Canary }, "Immunization.vaccineCode"),
        ["Encounter"] = (r => ((Encounter)r).ReasonCode = [new CodeableConcept { Text = Canary }], "Encounter.reasonCode"),
        ["CarePlan"] = (r => ((CarePlan)r).Description = Canary, "CarePlan.description"),
        ["Goal"] = (r => ((Goal)r).Description = new CodeableConcept { Text = Canary }, "Goal.description"),
        ["ImagingStudy"] = (r => ((ImagingStudy)r).Modality = [new Coding("http://dicom.nema.org/resources/ontology/DCM", "MG")], "ImagingStudy.modality"),
        ["DocumentReference"] = (r => ((DocumentReference)r).Description = Canary, "DocumentReference.description"),
        ["MedicationRequest"] = (r => ((MedicationRequest)r).Medication = new CodeableConcept { Text = Canary }, "MedicationRequest.medication.ofType(CodeableConcept)"),
        ["MedicationStatement"] = (r => ((MedicationStatement)r).Medication = new ResourceReference("Medication/m1"), "MedicationStatement.medication.ofType(Reference)"),
        ["MedicationDispense"] = (r => ((MedicationDispense)r).Quantity = new Quantity(30, "tablets"), "MedicationDispense.quantity"),
        ["Coverage"] = (r => ((Coverage)r).Payor = [new ResourceReference("Organization/medicaid")], "Coverage.payor"),
        ["Claim"] = (r => ((Claim)r).Total = new Money { Value = 1234.5m }, "Claim.total"),
        ["ClaimResponse"] = (r => ((ClaimResponse)r).Disposition = Canary, "ClaimResponse.disposition"),
        ["ExplanationOfBenefit"] = (r => ((ExplanationOfBenefit)r).Disposition = Canary, "ExplanationOfBenefit.disposition"),
    };

    private static IEnumerable<string> ProtectedTypeNames =>
        SectionPolicy.SupportedResourceTypes.Where(t => SectionPolicy.For(t).HasProtectedSection).Order(StringComparer.Ordinal);

    public static TheoryData<string> ProtectedTypes => new(ProtectedTypeNames);

    [Fact]
    public void Given_the_planting_table_When_compared_with_the_policy_Then_it_covers_every_protected_type() =>
        PlantedPerType.Keys.Order(StringComparer.Ordinal).ShouldBe(ProtectedTypeNames);

    [Theory]
    [MemberData(nameof(ProtectedTypes))]
    public void Given_a_contained_resource_in_clear_When_checked_Then_contained_is_named_without_its_content(string type)
    {
        // Firely declares `contained` as a choice of every resource type, holding a list.
        var clear = CleanClearPart(type);
        ((DomainResource)clear).Contained = [new Practitioner { Id = "p1", Name = [new HumanName { Family = Canary }] }];

        var findings = SectionPolicy.FindProtectedInClear(clear);

        findings.ShouldBe([$"{type}.contained"]);
        string.Concat(findings).ShouldNotContain(Canary);
    }

    [Theory]
    [MemberData(nameof(ProtectedTypes))]
    public void Given_a_clean_clear_part_When_a_protected_element_is_planted_in_clear_Then_it_is_found_by_path_without_its_value(string type)
    {
        var clear = CleanClearPart(type);
        var (plant, path) = PlantedPerType[type];
        plant(clear);

        var findings = SectionPolicy.FindProtectedInClear(clear);

        findings.ShouldBe([path]);
        string.Concat(findings).ShouldNotContain(Canary);
    }

    [Theory]
    [MemberData(nameof(ProtectedTypes))]
    public void Given_a_clean_clear_part_When_narrative_and_an_extension_are_planted_Then_both_are_found(string type)
    {
        var clear = (DomainResource)CleanClearPart(type);
        clear.Text = new Narrative { Status = Narrative.NarrativeStatus.Generated, Div = $"<div xmlns=\"http://www.w3.org/1999/xhtml\">{Canary}</div>" };
        clear.Extension.Add(new Extension("http://example.org/fhir/StructureDefinition/religion", new FhirString(Canary)));

        SectionPolicy.FindProtectedInClear(clear).ShouldBe([$"{type}.text", $"{type}.extension"], ignoreOrder: true);
    }

    [Theory]
    [MemberData(nameof(ProtectedTypes))]
    public void Given_a_split_clear_part_When_it_is_checked_Then_nothing_is_found_and_an_encrypted_section_extension_is_not_a_finding(string type)
    {
        var clear = (DomainResource)CleanClearPart(type);
        SectionPolicy.FindProtectedInClear(clear).ShouldBeEmpty();

        clear.Extension.Add(new EncryptedSectionExtension(SectionPolicy.SectionOf(clear)!.Value, 1, "umbral-xchacha20poly1305", [1, 2, 3], [4, 5], []).ToExtension());

        SectionPolicy.FindProtectedInClear(clear).ShouldBeEmpty();
    }

    [Fact]
    public void Given_a_clear_reference_with_a_display_When_checked_Then_the_reference_element_is_found()
    {
        var observation = new Observation
        {
            Status = ObservationStatus.Final,
            Code = (CodeableConcept)MaskedValue.For(Hl7.Fhir.Model.ModelInfo.ModelInspector.FindClassMapping("Observation")!.FindMappedElementByName("code")!),
            Subject = new ResourceReference("Patient/p1", "Jane Canary"),
        };

        SectionPolicy.FindProtectedInClear(observation).ShouldBe(["Observation.subject"]);
    }

    [Fact]
    public void Given_an_observation_without_value_When_its_dataAbsentReason_is_masked_or_not_Then_only_a_real_reason_is_found()
    {
        var observation = (Observation)CleanClearPart("Observation");
        observation.DataAbsentReason = MaskedValue.MaskedDataAbsentReason();
        SectionPolicy.FindProtectedInClear(observation).ShouldBeEmpty();

        observation.DataAbsentReason = new CodeableConcept(MaskedValue.DataAbsentReasonSystem, "asked-declined");
        SectionPolicy.FindProtectedInClear(observation).ShouldBe(["Observation.dataAbsentReason"]);
    }

    [Fact]
    public void Given_a_type_without_a_protected_section_When_checked_Then_nothing_is_protected()
    {
        var practitioner = new Practitioner { Name = [new HumanName { Family = "Welby" }], Gender = AdministrativeGender.Male };

        SectionPolicy.FindProtectedInClear(practitioner).ShouldBeEmpty();
    }

    private static Resource CleanClearPart(string type)
    {
        var clear = SectionSplitter.Split(RequiredElementFiller.Create(type)).Clear;
        SectionPolicy.FindProtectedInClear(clear).ShouldBeEmpty();
        return clear;
    }
}
