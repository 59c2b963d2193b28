using SeSPHR.FhirServer.Features.Access.Scopes;
using static SeSPHR.FhirServer.Features.Access.Scopes.ScopeContext;
using static SeSPHR.FhirServer.Features.Access.Scopes.ScopeInteraction;

namespace SeSPHR.FhirServer.Tests.Features.Access.Scopes;

/// <summary>SMART App Launch 2.x resource scopes, as an access token's <c>scope</c> claim carries them.</summary>
public sealed class SmartScopesTests
{
    // SMART App Launch 2.0.0, "Scopes and Launch Context", quick start: patient/*.rs is
    // "permission to read and search any resource for the current patient".
    [Fact]
    public void Given_patient_star_rs_When_asked_Then_reads_and_searches_of_any_type_are_allowed_for_the_patient_only()
    {
        var scopes = SmartScopes.Parse("openid fhirUser launch/patient patient/*.rs");

        scopes.Allows(Patient, "Observation", Read).ShouldBeTrue();
        scopes.Allows(Patient, "Condition", ScopeInteraction.Search).ShouldBeTrue();
        scopes.Allows(Patient, "Observation", Create).ShouldBeFalse();
        scopes.Allows(Patient, "Observation", Update).ShouldBeFalse();
        scopes.Allows(Patient, "Observation", Delete).ShouldBeFalse();
        scopes.Allows(User, "Observation", Read).ShouldBeFalse();
        scopes.Allows(ScopeContext.System, "Observation", Read).ShouldBeFalse();
    }

    // SMART App Launch 2.0.0 quick start: user/*.cruds is "permission to read and write all
    // resources that the current user can access".
    [Fact]
    public void Given_user_star_cruds_When_asked_Then_every_interaction_on_every_type_is_allowed_in_the_user_context()
    {
        var scopes = SmartScopes.Parse("user/*.cruds");

        foreach (var interaction in new[] { Create, Read, Update, Delete, ScopeInteraction.Search })
        {
            scopes.Allows(User, "MedicationRequest", interaction).ShouldBeTrue();
        }

        scopes.Allows(Patient, "MedicationRequest", Read).ShouldBeFalse();
    }

    // SMART App Launch 2.0.0, clinical scope examples: patient/Observation.rs reads and searches
    // observations about the patient; patient/Observation.c adds new ones (blood pressure readings);
    // user/Appointment.cruds manages the user's appointments.
    [Theory]
    [InlineData("patient/Observation.rs", "Observation", Read, true)]
    [InlineData("patient/Observation.rs", "Observation", ScopeInteraction.Search, true)]
    [InlineData("patient/Observation.rs", "Condition", Read, false)]
    [InlineData("patient/Observation.c", "Observation", Create, true)]
    [InlineData("patient/Observation.c", "Observation", Read, false)]
    [InlineData("patient/Patient.r", "Patient", Read, true)]
    [InlineData("patient/Patient.r", "Patient", ScopeInteraction.Search, false)]
    [InlineData("user/Appointment.cruds", "Appointment", Delete, true)]
    [InlineData("system/*.rs", "Coverage", ScopeInteraction.Search, true)]
    [InlineData("system/*.rs", "Coverage", Update, false)]
    public void Given_a_v2_scope_from_the_spec_When_asked_Then_it_allows_exactly_its_letters(string scope, string type, ScopeInteraction interaction, bool allowed)
    {
        var context = scope.StartsWith("patient/", StringComparison.Ordinal) ? Patient : scope.StartsWith("user/", StringComparison.Ordinal) ? User : ScopeContext.System;

        SmartScopes.Parse(scope).Allows(context, type, interaction).ShouldBe(allowed);
    }

    // SMART App Launch 2.0.0, "Scopes for requesting FHIR resources", v1 compatibility:
    // .read is .rs, .write is .cud, .* is .cruds.
    [Theory]
    [InlineData("patient/Observation.read", "patient/Observation.rs")]
    [InlineData("user/Observation.write", "user/Observation.cud")]
    [InlineData("system/*.*", "system/*.cruds")]
    public void Given_a_v1_scope_When_parsed_Then_it_means_its_v2_equivalent(string v1, string v2)
    {
        SmartScopes.Parse(v1).ToString().ShouldBe(v2);
        SmartScopes.Parse(v1).Granted.ShouldBe(SmartScopes.Parse(v2).Granted);
    }

    [Theory]
    [InlineData("patient/Observation.sr")] // letters out of order
    [InlineData("patient/Observation.rr")]
    [InlineData("patient/Observation.")]
    [InlineData("patient/Observation.x")]
    [InlineData("patient/Observation.rsx")]
    [InlineData("patient/observation.rs")] // not a type name
    [InlineData("Patient/Observation.rs")]
    [InlineData("admin/*.cruds")]
    [InlineData("patient/*.READ")]
    [InlineData("patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs")]
    [InlineData("patient/Observation.rs\n")]
    [InlineData("patient/Obs/ervation.rs")]
    public void Given_a_malformed_or_granular_resource_scope_When_parsed_Then_it_grants_nothing(string scope)
    {
        var scopes = SmartScopes.Parse(scope);

        scopes.Granted.ShouldBeEmpty();
        scopes.Allows(Patient, "Observation", Read).ShouldBeFalse();
        scopes.PermitsAnyRead(Patient).ShouldBeFalse();
    }

    [Fact]
    public void Given_a_granular_scope_beside_a_narrow_one_When_asked_Then_the_granular_one_does_not_widen_the_grant()
    {
        var scopes = SmartScopes.Parse("patient/Observation.r patient/Observation.rs?category=laboratory");

        scopes.Allows(Patient, "Observation", Read).ShouldBeTrue();
        scopes.Allows(Patient, "Observation", ScopeInteraction.Search).ShouldBeFalse();
    }

    [Fact]
    public void Given_only_identity_launch_and_srs_scopes_When_parsed_Then_no_resource_is_allowed()
    {
        var scopes = SmartScopes.Parse("openid fhirUser offline_access launch/patient launch srs.reencrypt srs.revoke srs.grants");

        scopes.Granted.ShouldBeEmpty();
        scopes.PermitsAnyRead(Patient).ShouldBeFalse();
        scopes.PermitsAnyRead(User).ShouldBeFalse();
        scopes.ReadableTypes(User).ShouldNotBeNull().ShouldBeEmpty();
    }

    [Fact]
    public void Given_separate_scopes_for_one_type_When_asked_Then_their_letters_add_up()
    {
        var scopes = SmartScopes.Parse("user/Observation.r  user/Observation.s user/Condition.c");

        scopes.Allows(User, "Observation", Read | ScopeInteraction.Search).ShouldBeTrue();
        scopes.Allows(User, "Condition", Read).ShouldBeFalse();
        scopes.Allows(User, "Observation", None).ShouldBeFalse();
    }

    [Fact]
    public void Given_typed_search_scopes_When_readable_types_are_asked_Then_they_are_the_types_with_s_in_that_context()
    {
        var scopes = SmartScopes.Parse("user/Observation.rs user/Condition.r user/Coverage.s patient/Claim.rs");

        scopes.ReadableTypes(User).ShouldNotBeNull().OrderBy(type => type, StringComparer.Ordinal).ShouldBe(["Coverage", "Observation"]);
        scopes.ReadableTypes(Patient).ShouldNotBeNull().ShouldBe(["Claim"]);
        scopes.PermitsAnyRead(User).ShouldBeTrue();
        scopes.PermitsAnyRead(ScopeContext.System).ShouldBeFalse();
    }

    [Fact]
    public void Given_a_wildcard_search_scope_When_readable_types_are_asked_Then_every_type_is_readable()
    {
        SmartScopes.Parse("user/Observation.rs user/*.s").ReadableTypes(User).ShouldBeNull();
    }

    [Fact]
    public void Given_no_scope_When_parsed_Then_nothing_is_allowed()
    {
        SmartScopes.Parse(null).Allows(Patient, "Patient", Read).ShouldBeFalse();
        SmartScopes.Parse("   ").Granted.ShouldBeEmpty();
    }
}
