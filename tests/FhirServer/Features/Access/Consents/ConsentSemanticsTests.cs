using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Features.Access.Consents;
using SeSPHR.Phr.Sections;
using static SeSPHR.FhirServer.Tests.Features.Access.Consents.ConsentBuilder;
using static SeSPHR.Phr.Sections.PhrSection;

namespace SeSPHR.FhirServer.Tests.Features.Access.Consents;

/// <summary>The rules of DESIGN.md §4 one at a time, and what happens to what the evaluator does not understand.</summary>
public sealed class ConsentSemanticsTests
{
    private const string Nothing = "- - - - -";

    [Fact]
    public void Given_consents_that_deny_the_patient_When_the_patient_reads_their_own_record_Then_everything_is_permitted()
    {
        var consents = PatientConsents.Compile(People.Record, [ConsentWith(Deny(People.Patient)), ConsentWith(DenyRole(UserRole.Patient)), ConsentWith(Deny())]);

        var access = consents.AccessFor(People.Patient, People.Now);

        access.IsOwnRecord.ShouldBeTrue();
        access.MaySeePatient.ShouldBeTrue();
        Notation.Of(access).ShouldBe("rw rw rw rw rw");
    }

    [Fact]
    public void Given_a_practitioner_whose_fhirUser_names_the_patient_When_reading_Then_it_is_not_their_own_record()
    {
        var impostor = People.Doctor with { FhirUser = People.Record };

        Notation.Of(impostor).ShouldBe(Nothing);
    }

    [Theory]
    [InlineData(Consent.ConsentState.Draft)]
    [InlineData(Consent.ConsentState.Proposed)]
    [InlineData(Consent.ConsentState.Rejected)]
    [InlineData(Consent.ConsentState.Inactive)]
    [InlineData(Consent.ConsentState.EnteredInError)]
    [InlineData(null)]
    public void Given_a_consent_that_is_not_active_When_evaluated_Then_its_permits_and_its_denies_are_ignored(Consent.ConsentState? status)
    {
        var permit = ConsentWith(Permit(People.Doctor).Reads()).With(c => c.Status = status);
        var deny = ConsentWith(Deny(People.Family).Sections(Vitals)).With(c => c.Status = status);

        Notation.Of(People.Doctor, permit).ShouldBe(Nothing);
        Notation.Of(People.Family, deny, ConsentWith(Permit(People.Family).Reads().Sections(Vitals))).ShouldBe("- - r - -");
    }

    [Fact]
    public void Given_a_consent_of_another_scope_When_evaluated_Then_it_is_no_access_rule()
    {
        var research = ConsentWith(Permit(People.Doctor).Reads())
            .With(c => c.Scope = new CodeableConcept(ConsentCodings.ScopeSystem, "research"));

        Notation.Of(People.Doctor, research).ShouldBe(Nothing);
        PatientConsents.Compile(People.Record, [research]).ApplicableCount.ShouldBe(0);
    }

    [Fact]
    public void Given_a_consent_of_another_patient_that_denies_When_evaluated_Then_it_takes_nothing_away()
    {
        Notation.Of(People.Doctor, ConsentWith(Permit(People.Doctor).Reads()), ConsentOf("Patient/other", Deny(People.Doctor)))
            .ShouldBe("r r r r r");
    }

    [Theory]
    // Period bounds cover their whole precision: a date ends at the end of that day (UTC).
    [InlineData("2026-06-15T12:00:00Z", null, "r")]
    [InlineData("2026-06-15T12:00:01Z", null, "-")]
    [InlineData(null, "2026-06-15T12:00:00Z", "r")]
    [InlineData(null, "2026-06-15T11:59:59Z", "-")]
    [InlineData(null, "2026-06-15T11:59:59.999Z", "-")]
    [InlineData(null, "2026-06-15T12:00:00.000Z", "r")]
    [InlineData("2026-06-15", "2026-06-15", "r")]
    [InlineData("2026-06", "2026-06", "r")]
    [InlineData("2026", null, "r")]
    [InlineData("2027", null, "-")]
    [InlineData(null, "2026-06-14", "-")]
    [InlineData("2026-06-15T14:00:00+02:00", null, "r")]
    [InlineData("2026-06-15T13:00:00+00:00", null, "-")]
    public void Given_a_permit_with_a_period_When_read_at_noon_Then_it_applies_within_the_period_only(string? start, string? end, string expected)
    {
        var consent = ConsentWith(Permit(People.Doctor).Actions(ConsentCodings.Access).Sections(Medical).During(start, end));

        Notation.Of(People.Doctor, consent).Split(' ')[1].ShouldBe(expected);
    }

    [Fact]
    public void Given_a_consent_dated_tomorrow_When_evaluated_today_Then_it_permits_nothing_yet_but_its_denies_hold()
    {
        var dated = ConsentWith(Permit(People.Doctor).Reads().Except(Deny().Sections(Vitals)))
            .With(c => c.DateTime = "2026-06-16");
        var other = ConsentWith(Permit(People.Family).Reads().Sections(Vitals));
        var datedDeny = ConsentWith(Deny(People.Family)).With(c => c.DateTime = "2026-06-16");

        Notation.Of(People.Doctor, dated).ShouldBe(Nothing);
        PatientConsents.Compile(People.Record, [dated]).AccessFor(People.Doctor, People.Now.AddDays(1)).Decide(Medical, AccessAction.Read)
            .ShouldBe(ConsentDecision.Permit);
        Notation.Of(People.Family, other, datedDeny).ShouldBe(Nothing);
    }

    [Fact]
    public void Given_a_permit_for_a_period_within_a_consent_for_a_longer_one_When_evaluated_over_time_Then_both_periods_must_hold()
    {
        var consent = ConsentWith(Permit(People.Doctor).Reads().During("2026-01-01", "2026-12-31")
            .Except(Deny().Sections(Vitals).During("2026-06-01", "2026-06-30")));
        var compiled = PatientConsents.Compile(People.Record, [consent]);

        Notation.Of(compiled, People.Doctor, new DateTimeOffset(2026, 5, 31, 23, 59, 59, TimeSpan.Zero)).ShouldBe("r r r r r");
        Notation.Of(compiled, People.Doctor, People.Now).ShouldBe("r r - r r");
        Notation.Of(compiled, People.Doctor, new DateTimeOffset(2026, 7, 1, 0, 0, 0, TimeSpan.Zero)).ShouldBe("r r r r r");
        Notation.Of(compiled, People.Doctor, new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero)).ShouldBe(Nothing);
    }

    [Fact]
    public void Given_three_levels_of_exceptions_When_evaluated_Then_the_deepest_matching_provision_decides()
    {
        // Everyone is denied everything, except the doctor who may read, except personal, except
        // for one week in June.
        var consent = ConsentWith(Deny().Except(
            Permit(People.Doctor).Reads().Except(
                Deny().Sections(Personal).Except(
                    Permit().During("2026-06-14", "2026-06-20")))));
        var compiled = PatientConsents.Compile(People.Record, [consent]);

        Notation.Of(compiled, People.Doctor).ShouldBe("r r r r r");
        Notation.Of(compiled, People.Doctor, People.Now.AddDays(10)).ShouldBe("- r r r r");
        Notation.Of(compiled, People.Family).ShouldBe(Nothing);
    }

    [Fact]
    public void Given_a_deny_for_a_grantee_with_a_nested_permit_When_evaluated_Then_the_grantee_reads_the_exception_only_and_only_with_the_approved_key()
    {
        var consent = ConsentWith(Deny(People.Doctor).Except(Permit().Reads().Sections(Vitals)));

        Notation.Of(People.Doctor, consent).ShouldBe("- - r - -");
        Notation.Of(People.Doctor with { KeyFingerprint = People.SubstitutedKey }, consent).ShouldBe(Nothing);
        Notation.Of(People.Family, consent).ShouldBe(Nothing);
    }

    [Fact]
    public void Given_sibling_exceptions_that_disagree_When_evaluated_Then_the_deny_wins()
    {
        var consent = ConsentWith(Deny().Except(
            Permit(People.Doctor).Reads().Sections(Medical, Vitals),
            Deny(People.Doctor).Sections(Vitals)));

        Notation.Of(People.Doctor, consent).ShouldBe("- r - - -");
    }

    [Fact]
    public void Given_a_root_without_a_decision_When_its_exceptions_permit_and_deny_Then_they_decide_and_it_denies_nothing_else()
    {
        var consent = ConsentWith(
            Permit(People.Doctor).Reads(),
            Deny(People.Doctor).Sections(Insurance));
        var other = ConsentWith(Permit(People.Family).Reads());

        Notation.Of(People.Doctor, consent, other).ShouldBe("r r r r -");
        Notation.Of(People.Family, consent, other).ShouldBe("r r r r r");
    }

    [Fact]
    public void Given_a_nested_deny_for_a_role_inside_a_role_grant_When_members_of_both_roles_read_Then_only_the_other_role_reads()
    {
        var consent = ConsentWith(Permit().Reads().Sections(Vitals).Except(DenyRole(UserRole.Researcher)));

        Notation.Of(People.Researcher, consent).ShouldBe(Nothing);
        Notation.Of(People.Insurer, consent).ShouldBe("- - r - -");
    }

    [Fact]
    public void Given_actions_When_evaluated_Then_access_reads_collect_and_correct_write_and_none_means_both()
    {
        Notation.Of(People.Doctor, ConsentWith(Permit(People.Doctor).Actions(ConsentCodings.Access).Sections(Vitals))).ShouldBe("- - r - -");
        Notation.Of(People.Doctor, ConsentWith(Permit(People.Doctor).Actions(ConsentCodings.Collect).Sections(Vitals))).ShouldBe("- - w - -");
        Notation.Of(People.Doctor, ConsentWith(Permit(People.Doctor).Actions(ConsentCodings.Correct).Sections(Vitals))).ShouldBe("- - w - -");
        Notation.Of(People.Doctor, ConsentWith(Permit(People.Doctor).Sections(Vitals))).ShouldBe("- - rw - -");
        Notation.Of(People.Doctor, ConsentWith(Permit(People.Doctor).Sections(Vitals)), ConsentWith(Deny(People.Doctor).Actions(ConsentCodings.Collect)))
            .ShouldBe("- - r - -");
    }

    [Fact]
    public void Given_a_permit_for_the_class_Observation_When_evaluated_Then_vitals_is_whole_and_medical_holds_only_observations()
    {
        var access = PatientConsents.Compile(People.Record, [ConsentWith(Permit(People.Doctor).Reads().Classes("Observation"))])
            .AccessFor(People.Doctor, People.Now);

        access.Decide(Vitals, AccessAction.Read).ShouldBe(ConsentDecision.Permit);
        access.Decide(Medical, AccessAction.Read).ShouldBe(ConsentDecision.Deny);
        access.Decide(Medical, AccessAction.Read, "Observation").ShouldBe(ConsentDecision.Permit);
        access.Decide(Medical, AccessAction.Read, "Condition").ShouldBe(ConsentDecision.Deny);
        access.Decide(Vitals, AccessAction.Read, "Condition").ShouldBe(ConsentDecision.Deny);
        access.PermittedTypes(Medical, AccessAction.Read).ShouldBe(["Observation"]);
        access.PermittedTypes(Vitals, AccessAction.Read).ShouldBe(["Observation"]);
        access.PermitsAny(Medical, AccessAction.Read).ShouldBeTrue();
        access.PermitsAny(Personal, AccessAction.Read).ShouldBeFalse();
        access.MaySeePatient.ShouldBeTrue();
    }

    [Fact]
    public void Given_a_class_and_a_section_label_When_evaluated_Then_the_provision_covers_their_intersection()
    {
        var access = PatientConsents.Compile(People.Record, [ConsentWith(Permit(People.Doctor).Reads().Sections(Vitals).Classes("Observation", "Condition"))])
            .AccessFor(People.Doctor, People.Now);

        Notation.Of(access).ShouldBe("- - r - -");
        access.Decide(Medical, AccessAction.Read, "Observation").ShouldBe(ConsentDecision.Deny);
        access.Decide(Medical, AccessAction.Read, "Condition").ShouldBe(ConsentDecision.Deny);
    }

    [Fact]
    public void Given_a_deny_of_one_class_inside_a_section_permit_When_evaluated_Then_the_section_is_not_whole_and_the_rest_of_it_is_readable()
    {
        var access = PatientConsents.Compile(People.Record, [ConsentWith(Permit(People.Insurer).Reads().Sections(Insurance).Except(Deny().Classes("Claim")))])
            .AccessFor(People.Insurer, People.Now);

        access.Decide(Insurance, AccessAction.Read).ShouldBe(ConsentDecision.Deny);
        access.PermittedTypes(Insurance, AccessAction.Read).ShouldBe(["ClaimResponse", "Coverage", "ExplanationOfBenefit"], ignoreOrder: true);
        access.Decide(Insurance, AccessAction.Read, "Claim").ShouldBe(ConsentDecision.Deny);
    }

    [Fact]
    public void Given_a_deny_of_listed_resources_When_evaluated_Then_only_those_resources_are_withheld()
    {
        var consents = PatientConsents.Compile(People.Record,
        [
            ConsentWith(Permit(People.Doctor).Reads().Sections(Vitals, Medical)),
            ConsentWith(Deny(People.Doctor).Resources("Observation/secret", "Condition/c1/_history/2")),
        ]);
        var access = consents.AccessFor(People.Doctor, People.Now);

        Notation.Of(access).ShouldBe("- r r - -");
        access.Decide(Vitals, AccessAction.Read, "Observation", "secret").ShouldBe(ConsentDecision.Deny);
        access.Decide(Vitals, AccessAction.Read, "Observation", "open").ShouldBe(ConsentDecision.Permit);
        access.Decide(Medical, AccessAction.Read, "Condition", "c1").ShouldBe(ConsentDecision.Deny);
        access.ExcludedResources(AccessAction.Read).ShouldBe(["Condition/c1", "Observation/secret"]);

        var readable = ConsentEvaluator.Readable(People.Doctor, People.Now, [consents]);
        readable.Excluded.ShouldBe([new ExcludedResource(People.Record, "Condition/c1"), new ExcludedResource(People.Record, "Observation/secret")], ignoreOrder: true);
        readable.Admits(People.Record, "vitals", "Observation", "secret").ShouldBeFalse();
        readable.Admits(People.Record, "vitals", "Observation", "open").ShouldBeTrue();
    }

    [Fact]
    public void Given_a_deny_of_the_patient_resource_itself_When_the_caller_has_other_permits_Then_the_patient_resource_is_not_visible()
    {
        var access = PatientConsents.Compile(People.Record,
            [ConsentWith(Permit(People.Doctor).Reads().Sections(Vitals).Except(Deny().Resources(People.Record)))])
            .AccessFor(People.Doctor, People.Now);

        access.Decide(Vitals, AccessAction.Read).ShouldBe(ConsentDecision.Permit);
        access.MaySeePatient.ShouldBeFalse();
    }

    [Theory]
    [InlineData("insurance-only", true)]
    [InlineData("write-only", true)]
    [InlineData("none", false)]
    [InlineData("expired", false)]
    public void Given_permits_on_sections_other_than_personal_When_asked_Then_the_patient_resource_is_visible_with_any_permit(string permits, bool visible)
    {
        Consent[] consents = permits switch
        {
            "insurance-only" => [ConsentWith(Permit(People.Insurer).Reads().Sections(Insurance))],
            "write-only" => [ConsentWith(Permit(People.Insurer).Actions(ConsentCodings.Collect).Sections(Insurance))],
            "expired" => [ConsentWith(Permit(People.Insurer).Reads().During(null, "2026-01-01"))],
            _ => [],
        };

        PatientConsents.Compile(People.Record, consents).AccessFor(People.Insurer, People.Now).MaySeePatient.ShouldBe(visible);
    }

    [Fact]
    public void Given_a_permit_approving_one_key_When_the_grantee_presents_another_or_none_Then_nothing_is_permitted_but_a_deny_by_name_still_holds()
    {
        var consents = new[] { ConsentWith(Permit(People.Doctor).Reads()) };

        Notation.Of(People.Doctor, consents).ShouldBe("r r r r r");
        Notation.Of(People.Doctor with { KeyFingerprint = People.SubstitutedKey }, consents).ShouldBe(Nothing);
        Notation.Of(People.Doctor with { KeyFingerprint = null }, consents).ShouldBe(Nothing);

        // A deny binds the person, whatever key they use.
        var denied = new[]
        {
            ConsentWith(Permit().Reads()),
            ConsentWith(new Consent.provisionComponent { Type = Consent.ConsentProvisionType.Deny, Actor = [Actor(People.Doctor, People.SubstitutedKey)] }),
        };
        Notation.Of(People.Doctor, denied).ShouldBe(Nothing);
        Notation.Of(People.Researcher with { Role = UserRole.Practitioner }, denied).ShouldBe("r r r r r");
    }

    [Fact]
    public void Given_a_permit_to_a_reference_without_an_approved_fingerprint_When_evaluated_Then_nobody_is_permitted()
    {
        var actor = Actor(People.Doctor);
        actor.Extension.Clear();
        var consent = ConsentWith(new Consent.provisionComponent { Type = Consent.ConsentProvisionType.Permit, Actor = [actor] }.Reads());

        Notation.Of(People.Doctor, consent).ShouldBe(Nothing);
        Notation.Of(People.Family, consent).ShouldBe(Nothing);
    }

    [Fact]
    public void Given_a_role_grant_with_one_approved_member_When_users_of_that_role_read_Then_only_the_approved_member_with_their_key_reads()
    {
        var consent = ConsentWith(PermitRole(UserRole.RelatedPerson).Reads().Sections(Personal).With(p => p.Actor.Add(Actor(People.Family))));
        var stranger = People.Family with { UserId = "u-stranger", FhirUser = "RelatedPerson/someone-else", KeyFingerprint = People.Key(42) };

        Notation.Of(People.Family, consent).ShouldBe("r - - - -");
        Notation.Of(stranger, consent).ShouldBe(Nothing);
        Notation.Of(People.Family with { KeyFingerprint = People.SubstitutedKey }, consent).ShouldBe(Nothing);
        Notation.Of(People.Doctor, consent).ShouldBe(Nothing);
        PatientConsents.Compile(People.Record, [consent]).AccessFor(stranger, People.Now).MaySeePatient.ShouldBeFalse();
    }

    [Theory]
    [InlineData(ConsentCodings.RoleSystem, "pharmacist", "pharmacist")]
    [InlineData(ConsentCodings.PractitionerRoleSystem, "pharmacist", "pharmacist")]
    [InlineData(ConsentCodings.PractitionerRoleSystem, "researcher", "researcher")]
    [InlineData(ConsentCodings.V3RoleClassSystem, "PRS", "family")]
    [InlineData(ConsentCodings.V3RoleClassSystem, "PAYOR", "insurer")]
    [InlineData(ConsentCodings.V3RoleClassSystem, "PAT", "other-patient")]
    [InlineData(ConsentCodings.RoleSystem, "admin", "admin")]
    public void Given_a_role_code_that_maps_to_a_sesphr_role_When_granted_Then_it_grants_that_role_and_admits_no_user_until_approved(string system, string code, string member)
    {
        var provision = new Consent.provisionComponent
        {
            Type = Consent.ConsentProvisionType.Permit,
            Actor = [new Consent.provisionActorComponent { Role = new CodeableConcept(system, code) }],
        }.Reads().Sections(Medical);

        ConsentGrants.Of(ConsentWith(provision)).ShouldHaveSingleItem().Grantee.ShouldBe(ConsentGrantee.OfRole(People.ByName[member].Role));
        foreach (var (name, caller) in People.ByName.Where(pair => pair.Key != "patient"))
        {
            Notation.Of(caller, ConsentWith(provision)).ShouldBe(Nothing, name);
        }

        var approved = ConsentWith(provision.With(p => p.Actor.Add(Actor(People.ByName[member]))));
        Notation.Of(People.ByName[member], approved).ShouldBe("- r - - -");
    }

    public static TheoryData<string> Odd => new(Oddities.All);

    [Theory]
    [MemberData(nameof(Odd))]
    // A permit reads narrowly what it does not understand (nothing), a deny widely (everything).
    public void Given_something_the_evaluator_does_not_understand_When_in_a_permit_it_permits_nothing_and_when_in_a_deny_it_denies_everything(string oddity)
    {
        var permit = Oddities.Put(oddity, Permit(People.Doctor).Reads());
        var deny = Oddities.Put(oddity, Deny(People.Doctor).Reads());
        var grant = ConsentWith(Permit(People.Doctor).Sections(Medical, Vitals));

        Notation.Of(People.Doctor, ConsentWith(permit)).ShouldBe(Nothing);
        Notation.Of(People.Doctor, grant, ConsentWith(deny)).ShouldBe(oddity == "unknown-action" ? Nothing : "- w w - -");
        Notation.Of(People.Patient, ConsentWith(deny)).ShouldBe("rw rw rw rw rw");
    }

    [Fact]
    public void Given_a_deny_whose_actor_is_not_understood_When_nested_in_a_permit_Then_it_denies_everyone_the_permit_reached_and_no_one_else()
    {
        var consent = ConsentWith(Permit(People.Doctor).Reads().Except(Oddities.Put("absolute-reference", Deny(People.Family)).Sections(Vitals)));
        var other = ConsentWith(Permit(People.Family).Reads().Sections(Vitals));

        Notation.Of(People.Doctor, consent, other).ShouldBe("r r - r r");
        Notation.Of(People.Family, consent, other).ShouldBe("- - r - -");
    }

    [Fact]
    public void Given_a_consent_with_a_modifier_extension_When_evaluated_Then_it_permits_nothing_and_its_denies_hold()
    {
        var modified = ConsentWith(Permit(People.Doctor).Reads(), Deny(People.Family))
            .With(c => c.ModifierExtension.Add(new Extension("http://example.org/unknown-modifier", new FhirBoolean(true))));

        Notation.Of(People.Doctor, modified).ShouldBe(Nothing);
        Notation.Of(People.Family, modified, ConsentWith(Permit(People.Family).Reads())).ShouldBe(Nothing);
        Notation.Of(People.Doctor, modified, ConsentWith(Permit(People.Doctor).Reads())).ShouldBe("r r r r r");
    }

    [Fact]
    public void Given_references_in_other_literal_forms_When_compared_Then_versions_are_ignored_and_absolute_urls_never_match()
    {
        var versioned = ConsentWith(Permit(People.Doctor with { FhirUser = "Practitioner/doc/_history/3" }).Reads());

        Notation.Of(People.Doctor, versioned).ShouldBe("r r r r r");
        Notation.Of(People.Doctor with { FhirUser = "Practitioner/doc/_history/1" }, versioned).ShouldBe("r r r r r");
        Notation.Of(People.Doctor with { FhirUser = "https://fhir.example.org/Practitioner/doc" }, versioned).ShouldBe(Nothing);
        Notation.Of(People.Doctor, ConsentWith(Permit(People.Doctor).Reads()).With(c => c.Patient = new ResourceReference("Patient/pat/_history/7")))
            .ShouldBe("r r r r r");
    }

    [Fact]
    public void Given_a_patient_reference_that_is_not_a_patient_When_compiled_Then_it_is_refused()
    {
        Should.Throw<ArgumentException>(() => PatientConsents.Compile("Practitioner/doc", []));
        Should.Throw<ArgumentException>(() => PatientConsents.Compile("https://x/Patient/p", []));
    }

    [Fact]
    public void Given_several_patients_When_the_search_filter_is_built_Then_sections_types_exclusions_and_visible_patients_are_each_patients_own()
    {
        var a = PatientConsents.Compile("Patient/a", [ConsentOf("Patient/a", Permit(People.Doctor).Reads().Sections(Vitals, Prescriptions))]);
        var b = PatientConsents.Compile("Patient/b", [ConsentOf("Patient/b", Permit(People.Doctor).Reads().Classes("Condition")), ConsentOf("Patient/b", Deny(People.Doctor).Resources("Condition/hidden"))]);
        var c = PatientConsents.Compile("Patient/c", [ConsentOf("Patient/c", Permit(People.Family).Reads())]);
        var own = PatientConsents.Compile("Patient/doc-as-patient", []);
        var doctorAsPatient = People.Doctor with { Role = UserRole.Patient, FhirUser = "Patient/doc-as-patient" };

        var readable = ConsentEvaluator.Readable(People.Doctor, People.Now, [a, b, c]);

        readable.Sections.Select(s => (s.Patient, s.Section, s.ResourceTypes is null ? "all" : string.Join(",", s.ResourceTypes)))
            .ShouldBe([("Patient/a", Vitals, "all"), ("Patient/a", Prescriptions, "all"), ("Patient/b", Medical, "Condition")]);
        readable.Excluded.ShouldBe([new ExcludedResource("Patient/b", "Condition/hidden")]);
        readable.VisiblePatients.ShouldBe(["Patient/a", "Patient/b"]);
        readable.MaySeePatient("Patient/b").ShouldBeTrue();
        readable.MaySeePatient("Patient/c").ShouldBeFalse();
        readable.MaySeePatient("Patient/unknown").ShouldBeFalse();
        readable.Admits("Patient/a", "vitals", "Observation", "x").ShouldBeTrue();
        readable.Admits("Patient/a", "medical", "Observation", "x").ShouldBeFalse();
        readable.Admits("Patient/b", "medical", "Condition", "x").ShouldBeTrue();
        readable.Admits("Patient/b", "medical", "Condition", "hidden").ShouldBeFalse();
        readable.Admits("Patient/b", "medical", "Procedure", "x").ShouldBeFalse();
        readable.Admits("Patient/b", "personal", "Patient", "b").ShouldBeTrue();
        readable.Admits("Patient/b", "personal", "RelatedPerson", "r").ShouldBeFalse();
        readable.Admits("Patient/c", "personal", "Patient", "c").ShouldBeFalse();
        readable.Admits(null, null, "Practitioner", "x").ShouldBeFalse();

        var columns = readable.ToSqlColumns();
        columns.SectionPatients.ShouldBe(["Patient/a", "Patient/a"]);
        columns.Sections.ShouldBe(["vitals", "prescriptions"]);
        columns.TypedPatients.ShouldBe(["Patient/b"]);
        columns.TypedSections.ShouldBe(["medical"]);
        columns.TypedTypes.ShouldBe(["Condition"]);
        columns.ExcludedPatients.ShouldBe(["Patient/b"]);
        columns.ExcludedResources.ShouldBe(["Condition/hidden"]);
        columns.VisiblePatients.ShouldBe(["Patient/a", "Patient/b"]);

        var mine = ConsentEvaluator.Readable(doctorAsPatient, People.Now, [a, own]);
        mine.Sections.Where(s => s.Patient == "Patient/doc-as-patient").Select(s => s.Section).ShouldBe(PhrSectionCodes.All);
        mine.VisiblePatients.ShouldBe(["Patient/doc-as-patient"]);
    }
}
