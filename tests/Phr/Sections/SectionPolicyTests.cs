using Hl7.Fhir.Model;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Phr.Tests.Sections;

public class SectionPolicyTests
{
    private static readonly (string Type, PhrSection? Section)[] Expected =
    [
        ("Patient", PhrSection.Personal), ("RelatedPerson", PhrSection.Personal),
        ("Observation", PhrSection.Medical), ("Condition", PhrSection.Medical), ("AllergyIntolerance", PhrSection.Medical), ("Procedure", PhrSection.Medical),
        ("DiagnosticReport", PhrSection.Medical), ("Immunization", PhrSection.Medical), ("Encounter", PhrSection.Medical),
        ("CarePlan", PhrSection.Medical), ("Goal", PhrSection.Medical), ("ImagingStudy", PhrSection.Medical),
        ("DocumentReference", PhrSection.Medical),
        ("MedicationRequest", PhrSection.Prescriptions), ("MedicationStatement", PhrSection.Prescriptions),
        ("MedicationDispense", PhrSection.Prescriptions),
        ("Coverage", PhrSection.Insurance), ("Claim", PhrSection.Insurance), ("ClaimResponse", PhrSection.Insurance),
        ("ExplanationOfBenefit", PhrSection.Insurance),
        ("Consent", null), ("Practitioner", null), ("PractitionerRole", null), ("Organization", null), ("Location", null),
        ("Device", null), ("AuditEvent", null), ("Provenance", null),
    ];

    // Elements the design names as protected whatever the type.
    private static readonly string[] NeverClear =
        ["text", "extension", "modifierExtension", "contained", "note", "language", "identifier", "birthDate", "deceased", "gender", "value", "name"];

    public static TheoryData<string> ProtectedTypes
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var (type, section) in Expected.Where(entry => entry.Section is not null))
            {
                data.Add(type);
            }

            return data;
        }
    }

    [Fact]
    public void Given_the_policy_When_asked_for_its_types_Then_it_supports_exactly_the_issue_s_resource_types()
    {
        SectionPolicy.SupportedResourceTypes.Order(StringComparer.Ordinal)
            .ShouldBe(Expected.Select(entry => entry.Type).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Given_each_supported_type_When_asked_for_its_section_Then_it_is_the_design_s_section()
    {
        foreach (var (type, section) in Expected)
        {
            var resource = (Resource)Activator.CreateInstance(ModelInfo.GetTypeForFhirType(type)!)!;
            SectionPolicy.SectionOf(resource).ShouldBe(section, type);
        }
    }

    [Fact]
    public void Given_an_observation_When_a_category_is_vital_signs_Then_it_is_in_vitals_else_in_medical()
    {
        var vital = new Observation
        {
            Category =
            [
                new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "exam"),
                new CodeableConcept(VitalSigns.CategorySystem, VitalSigns.CategoryCode),
            ],
        };
        var laboratory = new Observation { Category = [new CodeableConcept(VitalSigns.CategorySystem, "laboratory")] };
        var wrongSystem = new Observation { Category = [new CodeableConcept("http://example.org/categories", VitalSigns.CategoryCode)] };

        SectionPolicy.SectionOf(vital).ShouldBe(PhrSection.Vitals);
        SectionPolicy.SectionOf(laboratory).ShouldBe(PhrSection.Medical);
        SectionPolicy.SectionOf(wrongSystem).ShouldBe(PhrSection.Medical);
        SectionPolicy.SectionOf(new Observation()).ShouldBe(PhrSection.Medical);
    }

    [Fact]
    public void Given_an_observation_code_When_it_is_a_vital_sign_code_of_a_vital_signs_observation_Then_and_only_then_it_is_clear()
    {
        var weight = new CodeableConcept("http://loinc.org", "29463-7", "Body weight");
        var glucose = new CodeableConcept("http://loinc.org", "2339-0", "Glucose");
        var weightAndSnomed = new CodeableConcept("http://loinc.org", "29463-7");
        weightAndSnomed.Coding.Add(new Coding("http://snomed.info/sct", "27113001"));
        var vitals = new Observation { Category = [new CodeableConcept(VitalSigns.CategorySystem, VitalSigns.CategoryCode)] };
        var medical = new Observation();
        var policy = SectionPolicy.For("Observation");

        policy.IsClear(vitals, "code", weight).ShouldBeTrue();
        policy.IsClear(vitals, "code", glucose).ShouldBeFalse();
        policy.IsClear(vitals, "code", weightAndSnomed).ShouldBeFalse();
        policy.IsClear(medical, "code", weight).ShouldBeFalse();
    }

    [Fact]
    public void Given_a_clinical_date_element_When_its_value_is_not_a_date_Then_it_is_protected()
    {
        var policy = SectionPolicy.For("Condition");
        var condition = new Condition();

        policy.IsClear(condition, "onset", new FhirDateTime("2020-01-02")).ShouldBeTrue();
        policy.IsClear(condition, "onset", new Period(new FhirDateTime("2020"), null)).ShouldBeTrue();
        policy.IsClear(condition, "onset", new Age { Value = 42 }).ShouldBeFalse();
        policy.IsClear(condition, "onset", new FhirString("since childhood")).ShouldBeFalse();
    }

    [Theory]
    [MemberData(nameof(ProtectedTypes))]
    public void Given_a_protected_type_When_its_allow_list_is_read_Then_every_name_is_an_element_of_the_type_and_none_is_a_design_protected_element(string type)
    {
        var policy = SectionPolicy.For(type);
        var elements = ModelInfo.ModelInspector.FindClassMapping(type)!.PropertyMappings.Select(p => p.Name).ToHashSet();

        foreach (var clear in policy.ClearElements)
        {
            elements.ShouldContain(clear.Name, $"{type}.{clear.Name}");
            NeverClear.ShouldNotContain(clear.Name, $"{type}.{clear.Name}");
            clear.Why.ShouldNotBeNullOrWhiteSpace();
        }
    }

    [Theory]
    [MemberData(nameof(ProtectedTypes))]
    public void Given_a_protected_type_When_an_element_is_not_on_its_allow_list_Then_it_is_protected(string type)
    {
        var policy = SectionPolicy.For(type);
        var resource = (Resource)Activator.CreateInstance(ModelInfo.GetTypeForFhirType(type)!)!;
        var unnamed = ModelInfo.ModelInspector.FindClassMapping(type)!.PropertyMappings
            .Where(p => !policy.Names(p.Name)).ToList();

        unnamed.ShouldNotBeEmpty();
        foreach (var element in unnamed)
        {
            policy.IsClear(resource, element.Name, new FhirString("anything")).ShouldBeFalse($"{type}.{element.Name}");
        }

        policy.IsClear(resource, "anElementAFutureVersionAdds", new FhirString("anything")).ShouldBeFalse();
    }

    [Theory]
    [MemberData(nameof(ProtectedTypes))]
    public void Given_a_protected_type_When_its_bound_fields_are_read_Then_they_are_allow_listed_and_include_the_patient_link(string type)
    {
        var policy = SectionPolicy.For(type);

        foreach (var bound in policy.BoundFields)
        {
            policy.Names(bound).ShouldBeTrue($"{type}.{bound}");
        }

        policy.BoundFields.ShouldBeUnique();
        if (policy.PatientElement is { } patient)
        {
            policy.BoundFields.ShouldContain(patient);
            policy.Names(patient).ShouldBeTrue();
        }
    }

    [Fact]
    public void Given_every_supported_type_When_it_has_an_element_that_names_a_patient_Then_the_policy_files_it_in_her_record_by_that_element()
    {
        // Consent names its patient too; the server files it by that element itself (Consent is the ACL, no section).
        foreach (var type in SectionPolicy.SupportedResourceTypes.Where(t => t != "Consent"))
        {
            var model = ModelInfo.GetTypeForFhirType(type)!;
            var names = new[] { "patient", "subject", "beneficiary" }
                .Where(name => model.GetProperty(char.ToUpperInvariant(name[0]) + name[1..])?.PropertyType == typeof(ResourceReference))
                .ToList();
            var policy = SectionPolicy.For(type);
            if (names.Count == 0)
            {
                policy.PatientElement.ShouldBeNull(type);
                continue;
            }

            policy.PatientElement.ShouldBe(names.ShouldHaveSingleItem(type), type);
            (policy.HasProtectedSection || policy.RecordSection is not null).ShouldBeTrue($"{type} names a patient but joins no section of her record");
        }
    }

    [Fact]
    public void Given_a_Device_When_asked_where_it_is_filed_Then_one_that_names_a_patient_joins_her_medical_section_and_stays_clear()
    {
        var policy = SectionPolicy.For("Device");

        policy.PatientElement.ShouldBe("patient");
        policy.RecordSection.ShouldBe(PhrSection.Medical);
        policy.HasProtectedSection.ShouldBeFalse();
        SectionPolicy.FindProtectedInClear(new Device { Patient = new ResourceReference("Patient/p"), Type = new CodeableConcept { Text = "insulin pump" } }).ShouldBeEmpty();
    }

    [Fact]
    public void Given_a_related_person_When_asked_whose_record_it_is_in_Then_it_is_the_personal_section_of_the_patient_it_points_at()
    {
        var policy = SectionPolicy.For("RelatedPerson");

        policy.SectionOf(new RelatedPerson()).ShouldBe(PhrSection.Personal);
        policy.PatientElement.ShouldBe("patient");
    }

    [Fact]
    public void Given_an_unsupported_type_When_its_policy_is_asked_for_Then_it_is_refused()
    {
        SectionPolicy.IsSupported("FamilyMemberHistory").ShouldBeFalse();
        Should.Throw<NotSupportedException>(() => SectionPolicy.For("FamilyMemberHistory"));
        Should.Throw<NotSupportedException>(() => SectionPolicy.FindProtectedInClear(new FamilyMemberHistory()));
    }

    [Fact]
    public void Given_section_codes_When_parsed_and_written_Then_they_round_trip_and_unknown_codes_fail()
    {
        foreach (var section in PhrSectionCodes.All)
        {
            PhrSectionCodes.Parse(section.ToCode()).ShouldBe(section);
        }

        PhrSectionCodes.TryParse("Vitals", out _).ShouldBeFalse();
        Should.Throw<FormatException>(() => PhrSectionCodes.Parse("genetics"));
    }
}
