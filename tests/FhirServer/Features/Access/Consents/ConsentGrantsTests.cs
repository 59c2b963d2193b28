using Hl7.Fhir.Model;
using SeSPHR.Crypto.Grants;
using SeSPHR.FhirServer.Features.Access.Consents;
using SeSPHR.Phr.Sections;
using static SeSPHR.FhirServer.Tests.Features.Access.Consents.ConsentBuilder;
using static SeSPHR.Phr.Sections.PhrSection;

namespace SeSPHR.FhirServer.Tests.Features.Access.Consents;

/// <summary>The grants a Consent implies, as the SRS's kfrag bookkeeping will need them.</summary>
public sealed class ConsentGrantsTests
{
    private static readonly DateTimeOffset Given = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static string Show(IEnumerable<ImpliedGrant> grants) => string.Join("; ", grants.Select(grant =>
        $"{grant.Grantee.Reference ?? grant.Grantee.Role?.ToCode() ?? "everyone"} {grant.Section.ToCode()} {grant.Actions}"
        + (grant.ResourceTypes is null ? "" : $" [{string.Join(",", grant.ResourceTypes)}]")
        + $" {grant.Start?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? "…"}..{grant.End?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? "…"}"));

    [Fact]
    public void Given_a_permit_to_a_doctor_for_a_year_When_its_grants_are_listed_Then_each_section_is_granted_from_the_consent_date_to_the_end_of_the_year()
    {
        var grants = ConsentGrants.Of(ConsentWith(Permit(People.Doctor).Reads().Sections(Medical, Vitals).During("2026-01-01", "2026-12-31")));

        Show(grants).ShouldBe("Practitioner/doc medical Read 2026-01-01..2027-01-01; Practitioner/doc vitals Read 2026-01-01..2027-01-01");
        grants.ShouldAllBe(grant => grant.Grantee == ConsentGrantee.User("Practitioner/doc", People.Doctor.KeyFingerprint!));
        grants[0].Start.ShouldBe(Given);
        grants[0].End.ShouldBe(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void Given_a_nested_deny_for_june_When_grants_are_listed_Then_the_section_it_denies_is_granted_before_and_after_june_only()
    {
        var grants = ConsentGrants.Of(ConsentWith(Permit(People.Doctor).Reads().Sections(Personal, Vitals)
            .Except(Deny().Sections(Vitals).During("2026-06-01", "2026-06-30"))));

        Show(grants).ShouldBe(
            "Practitioner/doc personal Read 2026-01-01..…; "
            + "Practitioner/doc vitals Read 2026-01-01..2026-06-01; "
            + "Practitioner/doc vitals Read 2026-07-01..…");
    }

    [Fact]
    public void Given_writes_and_reads_of_different_extent_When_grants_are_listed_Then_read_and_write_are_joined_only_where_they_cover_the_same()
    {
        var grants = ConsentGrants.Of(ConsentWith(
            Permit(People.Doctor).Actions(ConsentCodings.Access, ConsentCodings.Collect).Sections(Vitals),
            Permit(People.Doctor).Actions(ConsentCodings.Access).Classes("Condition")));

        Show(grants).ShouldBe("Practitioner/doc medical Read [Condition] 2026-01-01..…; Practitioner/doc vitals Read, Write 2026-01-01..…");
        grants[1].Actions.ShouldBe(GrantActions.Read | GrantActions.Write);
    }

    [Fact]
    public void Given_a_role_grant_and_a_grant_to_everyone_When_listed_Then_the_grantees_are_the_role_and_everyone()
    {
        var grants = ConsentGrants.Of(ConsentWith(
            PermitRole(UserRole.Researcher).Reads().Sections(Vitals),
            Permit().Reads().Sections(Insurance)));

        // A researcher is also one of everyone, so the researchers' grant includes insurance too.
        Show(grants).ShouldBe(
            "everyone insurance Read 2026-01-01..…; researcher vitals Read 2026-01-01..…; researcher insurance Read 2026-01-01..…");
        grants[0].Grantee.ShouldBe(ConsentGrantee.Everyone);
        grants[1].Grantee.ShouldBe(ConsentGrantee.OfRole(UserRole.Researcher));
    }

    [Fact]
    public void Given_a_grantee_approved_with_some_key_When_listed_Then_the_grant_carries_that_key()
    {
        var consent = ConsentWith(new Consent.provisionComponent
        {
            Type = Consent.ConsentProvisionType.Permit,
            Actor = [Actor(People.Doctor, approved: People.SubstitutedKey)],
        }.Reads().Sections(Medical));

        ConsentGrants.Of(consent).Single().Grantee.Fingerprint.ShouldBe(People.SubstitutedKey);
    }

    [Fact]
    public void Given_a_role_deny_inside_a_grant_by_reference_When_listed_Then_the_grantee_of_unknown_role_gets_nothing()
    {
        var grants = ConsentGrants.Of(ConsentWith(Permit(People.Doctor).Reads().Except(DenyRole(UserRole.Practitioner).Sections(Medical))));

        Show(grants).ShouldNotContain("medical");
        Show(grants).ShouldContain("Practitioner/doc vitals Read");
    }

    [Fact]
    public void Given_consents_that_grant_nothing_When_listed_Then_there_are_no_grants()
    {
        ConsentGrants.Of(ConsentWith(Permit(People.Doctor).Reads()).With(c => c.Status = Consent.ConsentState.Inactive)).ShouldBeEmpty();
        ConsentGrants.Of(ConsentWith(Permit(People.Doctor).Reads()).With(c => c.Scope = new CodeableConcept(ConsentCodings.ScopeSystem, "research"))).ShouldBeEmpty();
        ConsentGrants.Of(ConsentWith(Deny(People.Doctor))).ShouldBeEmpty();
        ConsentGrants.Of(ConsentWith(Permit(People.Doctor).Reads().During("2026-02-01", "2026-01-01"))).ShouldBeEmpty();
        var withoutKey = Actor(People.Doctor);
        withoutKey.Extension.Clear();
        ConsentGrants.Of(ConsentWith(new Consent.provisionComponent { Type = Consent.ConsentProvisionType.Permit, Actor = [withoutKey] })).ShouldBeEmpty();
    }

    [Fact]
    public void Given_grants_When_checked_against_the_evaluator_Then_the_grantee_is_permitted_exactly_within_each_grant()
    {
        var consent = ConsentWith(Permit(People.Doctor).Reads().During("2026-02-01", "2026-11-30")
            .Except(Deny().Sections(Vitals).During("2026-06-01", "2026-06-30")));
        var compiled = PatientConsents.Compile(People.Record, [consent]);

        foreach (var grant in ConsentGrants.Of(consent))
        {
            var start = grant.Start!.Value;
            var end = grant.End!.Value;
            compiled.AccessFor(People.Doctor, start).Decide(grant.Section, AccessAction.Read).ShouldBe(ConsentDecision.Permit);
            compiled.AccessFor(People.Doctor, end.AddTicks(-1)).Decide(grant.Section, AccessAction.Read).ShouldBe(ConsentDecision.Permit);
            compiled.AccessFor(People.Doctor, start.AddTicks(-1)).Decide(grant.Section, AccessAction.Read).ShouldBe(ConsentDecision.Deny);
            compiled.AccessFor(People.Doctor, end).Decide(grant.Section, AccessAction.Read).ShouldBe(ConsentDecision.Deny);
        }
    }
}
