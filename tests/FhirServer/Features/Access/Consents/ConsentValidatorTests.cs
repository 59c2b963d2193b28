using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Features.Access.Consents;
using static SeSPHR.FhirServer.Tests.Features.Access.Consents.ConsentBuilder;
using static SeSPHR.Phr.Sections.PhrSection;

namespace SeSPHR.FhirServer.Tests.Features.Access.Consents;

/// <summary>What the patient is told about a Consent they write, with FHIRPath locations.</summary>
public sealed class ConsentValidatorTests
{
    private static string Show(IEnumerable<ConsentProblem> problems) => string.Join(" | ", problems.Select(p => $"{p.Location}: {p.Message}"));

    [Fact]
    public void Given_consents_as_a_sesphr_client_writes_them_When_validated_Then_there_is_no_problem()
    {
        Consent[] consents =
        [
            ConsentWith(Permit(People.Doctor).Actions(ConsentCodings.Access, ConsentCodings.Collect).Sections(Medical, Vitals).During("2026-01-01", "2026-12-31")),
            ConsentWith(Deny().Except(Permit(People.Family).Reads().Sections(Personal).Except(Deny().Classes("RelatedPerson")))),
            ConsentWith(PermitRole(UserRole.Insurer).Reads().Sections(Insurance).Classes("Claim", "Coverage")),
            ConsentWith(Deny(People.Doctor).With(p => p.Actor[0].Extension.Clear()).Resources("Observation/o1", "Condition/c1")),
            // R4: the root provision has no type ("not permitted in root rule"); its nested ones decide.
            ConsentWith(Permit(People.Pharmacist).Reads().Sections(Prescriptions), DenyRole(UserRole.Researcher)),
        ];

        foreach (var consent in consents)
        {
            Show(ConsentValidator.Validate(consent, People.Record)).ShouldBeEmpty();
        }
    }

    [Theory]
    [InlineData("unknown-section-code", "Consent.provision.securityLabel[0]", "'genomics' is not a section")]
    [InlineData("foreign-security-label", "Consent.provision.securityLabel[0]", "not a section label")]
    [InlineData("unknown-action", "Consent.provision.action[0]", "not access, collect or correct")]
    [InlineData("unknown-class", "Consent.provision.class[0]", "'Genome' is not a resource type of a PHR section")]
    [InlineData("class-without-section", "Consent.provision.class[0]", "'Practitioner' is not a resource type of a PHR section")]
    [InlineData("unknown-role", "Consent.provision.actor[0]", "neither a reference nor a role")]
    [InlineData("doctor-role-code", "Consent.provision.actor[0]", "neither a reference nor a role")]
    [InlineData("participation-type-only", "Consent.provision.actor[0]", "neither a reference nor a role")]
    [InlineData("absolute-reference", "Consent.provision.actor[0].reference", "not a relative reference")]
    [InlineData("identifier-only", "Consent.provision.actor[0].reference", "an identifier alone")]
    [InlineData("group-reference", "Consent.provision.actor[0].reference", "not a relative reference to one of")]
    [InlineData("end-before-start", "Consent.provision.period", "end lies before the start")]
    [InlineData("invalid-date", "Consent.provision.period", "not a valid period")]
    [InlineData("purpose", "Consent.provision.purpose", "not enforced")]
    [InlineData("data-period", "Consent.provision.dataPeriod", "not enforced")]
    [InlineData("content-code", "Consent.provision.code", "not enforced")]
    [InlineData("related-data", "Consent.provision.data", "only a deny may be limited to resources")]
    [InlineData("modifier-extension", "Consent.provision.modifierExtension", "modifier extension")]
    [InlineData("malformed-fingerprint", "Consent.provision.actor[0].extension", "64 hex digits")]
    public void Given_a_permit_with_something_the_evaluator_does_not_understand_When_validated_Then_the_problem_names_its_location(
        string oddity, string location, string message)
    {
        var problems = ConsentValidator.Validate(ConsentWith(Oddities.Put(oddity, Permit(People.Doctor).Reads())), People.Record);

        problems.ShouldContain(p => p.Location == location && p.Message.Contains(message), Show(problems));
    }

    [Fact]
    public void Given_every_oddity_When_validated_Then_the_table_above_covers_it()
    {
        var covered = typeof(ConsentValidatorTests)
            .GetMethod(nameof(Given_a_permit_with_something_the_evaluator_does_not_understand_When_validated_Then_the_problem_names_its_location))!
            .GetCustomAttributes(typeof(InlineDataAttribute), false)
            .Cast<InlineDataAttribute>()
            .Select(data => (string)data.GetData(null!).Single()[0]);

        covered.ShouldBe(Oddities.All, ignoreOrder: true);
    }

    [Theory]
    [InlineData("status-missing", "Consent.status", "missing")]
    [InlineData("other-scope", "Consent.scope", "patient-privacy")]
    [InlineData("other-patient", "Consent.patient", "their own record")]
    [InlineData("patient-not-a-patient", "Consent.patient", "Patient/id")]
    [InlineData("no-provision", "Consent.provision", "permit and deny nothing")]
    [InlineData("invalid-date-time", "Consent.dateTime", "not a valid dateTime")]
    [InlineData("consent-modifier-extension", "Consent.modifierExtension", "permits nothing")]
    [InlineData("type-missing", "Consent.provision.provision[1].type", "a nested provision says permit or deny")]
    [InlineData("nested-period-reversed", "Consent.provision.provision[0].period", "end lies before the start")]
    [InlineData("nested-section-unknown", "Consent.provision.provision[0].provision[0].securityLabel[1]", "'lab' is not a section")]
    [InlineData("actor-without-reference-or-role", "Consent.provision.actor[0]", "needs a reference or a role")]
    [InlineData("permit-without-fingerprint", "Consent.provision.actor[0].extension", "needs the approved key fingerprint")]
    [InlineData("deny-with-nested-permit-without-fingerprint", "Consent.provision.actor[0].extension", "(here or nested) needs the approved key fingerprint")]
    [InlineData("role-with-fingerprint", "Consent.provision.actor[0].extension", "a role grant names no single key")]
    [InlineData("class-outside-sections", "Consent.provision.class[0]", "Claim is in none of the provision's sections")]
    [InlineData("data-not-instance", "Consent.provision.data[0]", "meaning instance")]
    [InlineData("exceptions-in-resource-deny", "Consent.provision.provision", "not supported")]
    public void Given_a_malformed_consent_When_validated_Then_the_problem_names_its_location(string malformation, string location, string message)
    {
        var consent = malformation switch
        {
            "status-missing" => ConsentWith(Permit(People.Doctor)).With(c => c.Status = null),
            "other-scope" => ConsentWith(Permit(People.Doctor)).With(c => c.Scope = new CodeableConcept(ConsentCodings.ScopeSystem, "treatment")),
            "other-patient" => ConsentOf("Patient/other", Permit(People.Doctor)),
            "patient-not-a-patient" => ConsentWith(Permit(People.Doctor)).With(c => c.Patient = new ResourceReference("Group/g")),
            "no-provision" => ConsentWith(Permit(People.Doctor)).With(c => c.Provision = null),
            "invalid-date-time" => ConsentWith(Permit(People.Doctor)).With(c => c.DateTime = "yesterday"),
            "consent-modifier-extension" => ConsentWith(Permit(People.Doctor)).With(c => c.ModifierExtension.Add(new Extension("http://example.org/m", new FhirBoolean(true)))),
            "type-missing" => ConsentWith(Permit(People.Doctor), new Consent.provisionComponent()).With(c => c.Provision!.Type = Consent.ConsentProvisionType.Deny),
            "nested-period-reversed" => ConsentWith(Deny().Except(Permit(People.Doctor).During("2026-06-02", "2026-06-01"))),
            "nested-section-unknown" => ConsentWith(Deny().Except(Permit(People.Doctor).Except(Deny().Sections(Vitals).With(p => p.SecurityLabel.Add(new Coding(ConsentCodings.SectionSystem, "lab")))))),
            "actor-without-reference-or-role" => ConsentWith(new Consent.provisionComponent { Type = Consent.ConsentProvisionType.Permit, Actor = [new Consent.provisionActorComponent()] }),
            "permit-without-fingerprint" => ConsentWith(Permit(People.Doctor).With(p => p.Actor[0].Extension.Clear())),
            "deny-with-nested-permit-without-fingerprint" => ConsentWith(Deny(People.Doctor).With(p => p.Actor[0].Extension.Clear()).Except(Permit().Sections(Vitals))),
            "role-with-fingerprint" => ConsentWith(PermitRole(UserRole.Insurer).With(p => p.Actor[0].Extension.Add(ConsentCodings.ApprovedKeyFingerprint(People.Insurer.KeyFingerprint!)))),
            "class-outside-sections" => ConsentWith(Permit(People.Doctor).Sections(Medical).Classes("Claim")),
            "data-not-instance" => ConsentWith(Deny(People.Doctor).Resources("Encounter/e1").With(p => p.Data[0].Meaning = Consent.ConsentDataMeaning.Dependents)),
            "exceptions-in-resource-deny" => ConsentWith(Deny(People.Doctor).Resources("Observation/o1").Except(Permit(People.Doctor))),
            _ => throw new ArgumentOutOfRangeException(nameof(malformation)),
        };

        var problems = ConsentValidator.Validate(consent, People.Record);

        problems.ShouldContain(p => p.Location == location && p.Message.Contains(message), Show(problems));
    }

    [Fact]
    public void Given_a_deny_by_reference_without_a_fingerprint_When_validated_Then_it_is_fine_because_a_deny_binds_whatever_key()
    {
        var consent = ConsentWith(Permit(People.Family).Reads(), Deny(People.Doctor).With(p => p.Actor[0].Extension.Clear()).Except(new Consent.provisionComponent { Actor = [Actor(People.Pharmacist)] }.With(p => p.Actor[0].Extension.Clear())));

        ConsentValidator.Validate(consent).Where(p => p.Location.Contains("actor", StringComparison.Ordinal)).ShouldBeEmpty();
    }

    [Fact]
    public void Given_a_protected_value_in_a_consent_When_validated_Then_no_message_repeats_a_value_the_element_did_not_hold()
    {
        var consent = ConsentWith(Permit(People.Doctor).Sections(Medical).With(p => p.Actor[0].Reference.Display = "Dr. Zanzibar Quokka"));
        consent.Provision!.SecurityLabel.Add(new Coding(ConsentCodings.SectionSystem, "genomics"));

        var problems = ConsentValidator.Validate(consent);

        Show(problems).ShouldNotContain("Zanzibar");
        Show(problems).ShouldContain("'genomics'");
    }
}
