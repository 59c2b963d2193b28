using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Features.Access.Consents;
using SeSPHR.Phr.Sections;
using static SeSPHR.FhirServer.Tests.Features.Access.Consents.ConsentBuilder;
using static SeSPHR.Phr.Sections.PhrSection;

namespace SeSPHR.FhirServer.Tests.Features.Access.Consents;

/// <summary>
/// Roles x sections x actions x Consents, against a literal table. Each row is one scenario (a set
/// of the patient's Consents) and one caller; the expected column lists, for personal, medical,
/// vitals, prescriptions and insurance in that order, what the caller may do: <c>rw</c> read and
/// write, <c>r</c> read (<c>access</c>), <c>w</c> write (<c>collect</c>/<c>correct</c>), <c>-</c> nothing.
/// "Now" is 2026-06-15T12:00Z.
/// </summary>
public sealed class ConsentMatrixTests
{
    private const string Everything = "rw rw rw rw rw";
    private const string Nothing = "- - - - -";

    private static readonly Dictionary<string, Consent[]> Scenarios = new()
    {
        ["no-consent"] = [],
        ["doctor-reads"] = [ConsentWith(Permit(People.Doctor).Reads().Sections(Medical, Vitals))],
        ["grantees-write"] =
        [
            ConsentWith(Permit(People.Doctor).Actions(ConsentCodings.Access, ConsentCodings.Collect).Sections(Vitals)),
            ConsentWith(Permit(People.Pharmacist).Actions(ConsentCodings.Correct).Sections(Prescriptions)),
        ],
        ["nested-deny"] = [ConsentWith(Permit(People.Doctor).Reads().Except(Deny().Sections(Personal, Insurance)))],
        ["nested-permit"] = [ConsentWith(Deny().Except(Permit(People.Family).Reads().Sections(Personal, Vitals)))],
        ["expired-period"] = [ConsentWith(Permit(People.Doctor).Reads().Sections(Medical).During("2026-01-01", "2026-06-14"))],
        ["future-period"] = [ConsentWith(Permit(People.Doctor).Reads().Sections(Medical).During("2026-06-16", null))],
        ["period-ends-today"] = [ConsentWith(Permit(People.Doctor).Reads().Sections(Medical).During("2026-06-01", "2026-06-15"))],
        ["inactive"] = [ConsentWith(Permit(People.Doctor).Reads()).With(c => c.Status = Consent.ConsentState.Inactive)],
        ["wrong-patient"] = [ConsentOf("Patient/other", Permit(People.Doctor).Reads())],
        ["fingerprint-mismatch"] =
        [
            ConsentWith(new Consent.provisionComponent
            {
                Type = Consent.ConsentProvisionType.Permit,
                Actor = [Actor(People.Doctor, approved: People.SubstitutedKey)],
            }.Reads().Sections(Medical)),
        ],
        ["role-grants"] =
        [
            ConsentWith(PermitRole(UserRole.Researcher).Reads().Sections(Vitals).With(p => p.Actor.Add(Actor(People.Researcher)))),
            ConsentWith(PermitRole(UserRole.Insurer).Reads().Sections(Insurance).With(p => p.Actor.Add(Actor(People.Insurer)))),
        ],
        ["role-grants-unapproved"] =
        [
            ConsentWith(PermitRole(UserRole.Researcher).Reads().Sections(Vitals)),
            ConsentWith(PermitRole(UserRole.Insurer).Reads().Sections(Insurance)),
        ],
        ["deny-overrides"] = [ConsentWith(Permit(People.Doctor).Reads()), ConsentWith(Deny(People.Doctor).Sections(Prescriptions))],
        ["role-deny-overrides"] =
        [
            ConsentWith(Permit(People.Pharmacist).Reads().Sections(Medical, Prescriptions)),
            ConsentWith(DenyRole(UserRole.Pharmacist).Sections(Medical)),
        ],
        ["blanket-deny-overrides"] = [ConsentWith(Permit(People.Family).Reads()), ConsentWith(Deny().Sections(Personal))],
        ["deny-everyone"] = [ConsentWith(Permit(People.Doctor).Reads()), ConsentWith(Deny(People.Patient)), ConsentWith(Deny())],
    };

    public static TheoryData<string, string, string> Matrix => new()
    {
        // scenario                 caller           personal medical vitals prescriptions insurance
        { "no-consent",             "patient",       Everything },
        { "no-consent",             "other-patient", Nothing },
        { "no-consent",             "family",        Nothing },
        { "no-consent",             "doctor",        Nothing },
        { "no-consent",             "insurer",       Nothing },
        { "no-consent",             "pharmacist",    Nothing },
        { "no-consent",             "researcher",    Nothing },
        { "no-consent",             "admin",         Nothing },

        { "doctor-reads",           "patient",       Everything },
        { "doctor-reads",           "other-patient", Nothing },
        { "doctor-reads",           "family",        Nothing },
        { "doctor-reads",           "doctor",        "- r r - -" },
        { "doctor-reads",           "insurer",       Nothing },
        { "doctor-reads",           "pharmacist",    Nothing },
        { "doctor-reads",           "researcher",    Nothing },
        { "doctor-reads",           "admin",         Nothing },

        { "grantees-write",         "patient",       Everything },
        { "grantees-write",         "other-patient", Nothing },
        { "grantees-write",         "family",        Nothing },
        { "grantees-write",         "doctor",        "- - rw - -" },
        { "grantees-write",         "insurer",       Nothing },
        { "grantees-write",         "pharmacist",    "- - - w -" },
        { "grantees-write",         "researcher",    Nothing },
        { "grantees-write",         "admin",         Nothing },

        { "nested-deny",            "patient",       Everything },
        { "nested-deny",            "other-patient", Nothing },
        { "nested-deny",            "family",        Nothing },
        { "nested-deny",            "doctor",        "- r r r -" },
        { "nested-deny",            "insurer",       Nothing },
        { "nested-deny",            "pharmacist",    Nothing },
        { "nested-deny",            "researcher",    Nothing },
        { "nested-deny",            "admin",         Nothing },

        { "nested-permit",          "patient",       Everything },
        { "nested-permit",          "other-patient", Nothing },
        { "nested-permit",          "family",        "r - r - -" },
        { "nested-permit",          "doctor",        Nothing },
        { "nested-permit",          "insurer",       Nothing },
        { "nested-permit",          "pharmacist",    Nothing },
        { "nested-permit",          "researcher",    Nothing },
        { "nested-permit",          "admin",         Nothing },

        { "expired-period",         "patient",       Everything },
        { "expired-period",         "other-patient", Nothing },
        { "expired-period",         "family",        Nothing },
        { "expired-period",         "doctor",        Nothing },
        { "expired-period",         "insurer",       Nothing },
        { "expired-period",         "pharmacist",    Nothing },
        { "expired-period",         "researcher",    Nothing },
        { "expired-period",         "admin",         Nothing },

        { "future-period",          "patient",       Everything },
        { "future-period",          "other-patient", Nothing },
        { "future-period",          "family",        Nothing },
        { "future-period",          "doctor",        Nothing },
        { "future-period",          "insurer",       Nothing },
        { "future-period",          "pharmacist",    Nothing },
        { "future-period",          "researcher",    Nothing },
        { "future-period",          "admin",         Nothing },

        { "period-ends-today",      "patient",       Everything },
        { "period-ends-today",      "other-patient", Nothing },
        { "period-ends-today",      "family",        Nothing },
        { "period-ends-today",      "doctor",        "- r - - -" },
        { "period-ends-today",      "insurer",       Nothing },
        { "period-ends-today",      "pharmacist",    Nothing },
        { "period-ends-today",      "researcher",    Nothing },
        { "period-ends-today",      "admin",         Nothing },

        { "inactive",               "patient",       Everything },
        { "inactive",               "other-patient", Nothing },
        { "inactive",               "family",        Nothing },
        { "inactive",               "doctor",        Nothing },
        { "inactive",               "insurer",       Nothing },
        { "inactive",               "pharmacist",    Nothing },
        { "inactive",               "researcher",    Nothing },
        { "inactive",               "admin",         Nothing },

        { "wrong-patient",          "patient",       Everything },
        { "wrong-patient",          "other-patient", Nothing },
        { "wrong-patient",          "family",        Nothing },
        { "wrong-patient",          "doctor",        Nothing },
        { "wrong-patient",          "insurer",       Nothing },
        { "wrong-patient",          "pharmacist",    Nothing },
        { "wrong-patient",          "researcher",    Nothing },
        { "wrong-patient",          "admin",         Nothing },

        { "fingerprint-mismatch",   "patient",       Everything },
        { "fingerprint-mismatch",   "other-patient", Nothing },
        { "fingerprint-mismatch",   "family",        Nothing },
        { "fingerprint-mismatch",   "doctor",        Nothing },
        { "fingerprint-mismatch",   "insurer",       Nothing },
        { "fingerprint-mismatch",   "pharmacist",    Nothing },
        { "fingerprint-mismatch",   "researcher",    Nothing },
        { "fingerprint-mismatch",   "admin",         Nothing },

        { "role-grants",            "patient",       Everything },
        { "role-grants",            "other-patient", Nothing },
        { "role-grants",            "family",        Nothing },
        { "role-grants",            "doctor",        Nothing },
        { "role-grants",            "insurer",       "- - - - r" },
        { "role-grants",            "pharmacist",    Nothing },
        { "role-grants",            "researcher",    "- - r - -" },
        { "role-grants",            "admin",         Nothing },

        { "role-grants-unapproved", "patient",       Everything },
        { "role-grants-unapproved", "other-patient", Nothing },
        { "role-grants-unapproved", "family",        Nothing },
        { "role-grants-unapproved", "doctor",        Nothing },
        { "role-grants-unapproved", "insurer",       Nothing },
        { "role-grants-unapproved", "pharmacist",    Nothing },
        { "role-grants-unapproved", "researcher",    Nothing },
        { "role-grants-unapproved", "admin",         Nothing },

        { "deny-overrides",         "patient",       Everything },
        { "deny-overrides",         "other-patient", Nothing },
        { "deny-overrides",         "family",        Nothing },
        { "deny-overrides",         "doctor",        "r r r - r" },
        { "deny-overrides",         "insurer",       Nothing },
        { "deny-overrides",         "pharmacist",    Nothing },
        { "deny-overrides",         "researcher",    Nothing },
        { "deny-overrides",         "admin",         Nothing },

        { "role-deny-overrides",    "patient",       Everything },
        { "role-deny-overrides",    "other-patient", Nothing },
        { "role-deny-overrides",    "family",        Nothing },
        { "role-deny-overrides",    "doctor",        Nothing },
        { "role-deny-overrides",    "insurer",       Nothing },
        { "role-deny-overrides",    "pharmacist",    "- - - r -" },
        { "role-deny-overrides",    "researcher",    Nothing },
        { "role-deny-overrides",    "admin",         Nothing },

        { "blanket-deny-overrides", "patient",       Everything },
        { "blanket-deny-overrides", "other-patient", Nothing },
        { "blanket-deny-overrides", "family",        "- r r r r" },
        { "blanket-deny-overrides", "doctor",        Nothing },
        { "blanket-deny-overrides", "insurer",       Nothing },
        { "blanket-deny-overrides", "pharmacist",    Nothing },
        { "blanket-deny-overrides", "researcher",    Nothing },
        { "blanket-deny-overrides", "admin",         Nothing },

        { "deny-everyone",          "patient",       Everything },
        { "deny-everyone",          "other-patient", Nothing },
        { "deny-everyone",          "family",        Nothing },
        { "deny-everyone",          "doctor",        Nothing },
        { "deny-everyone",          "insurer",       Nothing },
        { "deny-everyone",          "pharmacist",    Nothing },
        { "deny-everyone",          "researcher",    Nothing },
        { "deny-everyone",          "admin",         Nothing },
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public void Given_a_scenario_of_consents_When_a_caller_asks_for_each_section_and_action_Then_the_decisions_are_the_table_s(
        string scenario, string caller, string expected)
    {
        var consents = PatientConsents.Compile(People.Record, Scenarios[scenario]);

        Notation.Of(consents, People.ByName[caller]).ShouldBe(expected, $"{scenario} / {caller}");
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public void Given_a_scenario_of_consents_When_asked_one_decision_at_a_time_Then_each_agrees_with_the_table(
        string scenario, string caller, string expected)
    {
        var tokens = expected.Split(' ');
        foreach (var (section, token) in PhrSectionCodes.All.Zip(tokens))
        {
            foreach (var (action, letter) in new[] { (AccessAction.Read, 'r'), (AccessAction.Write, 'w') })
            {
                var decision = ConsentEvaluator.Decide(People.ByName[caller], People.Record, section, action, People.Now, Scenarios[scenario]);

                decision.ShouldBe(token.Contains(letter) ? ConsentDecision.Permit : ConsentDecision.Deny, $"{scenario} / {caller} / {section} / {action}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public void Given_a_scenario_of_consents_When_the_search_filter_is_built_Then_it_holds_exactly_the_readable_sections_of_the_table(
        string scenario, string caller, string expected)
    {
        var readable = ConsentEvaluator.Readable(People.ByName[caller], People.Now, [PatientConsents.Compile(People.Record, Scenarios[scenario])]);

        var readableSections = readable.Sections.Where(s => s.ResourceTypes is null).Select(s => s.Section.ToCode());
        var expectedSections = PhrSectionCodes.All.Zip(expected.Split(' ')).Where(pair => pair.Second.Contains('r')).Select(pair => pair.First.ToCode());
        readableSections.ShouldBe(expectedSections, $"{scenario} / {caller}");
        readable.Sections.ShouldAllBe(s => s.ResourceTypes == null);
        readable.VisiblePatients.ShouldBe(expected == Nothing ? Array.Empty<string>() : new[] { People.Record }, $"{scenario} / {caller}");
    }

    [Fact]
    public void Given_the_matrix_When_counted_Then_every_scenario_meets_every_caller_exactly_once()
    {
        var rows = Matrix.Select(row => ((string)row[0], (string)row[1])).ToList();

        rows.Distinct().Count().ShouldBe(rows.Count);
        rows.Count.ShouldBe(Scenarios.Count * People.ByName.Count);
        rows.Select(row => row.Item1).Distinct().ShouldBe(Scenarios.Keys, ignoreOrder: true);
        rows.Select(row => row.Item2).Distinct().ShouldBe(People.ByName.Keys, ignoreOrder: true);
    }
}
