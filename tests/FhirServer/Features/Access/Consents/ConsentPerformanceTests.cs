using System.Diagnostics;
using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Features.Access.Consents;
using SeSPHR.Phr.Sections;
using Xunit.Abstractions;
using static SeSPHR.FhirServer.Tests.Features.Access.Consents.ConsentBuilder;
using static SeSPHR.Phr.Sections.PhrSection;

namespace SeSPHR.FhirServer.Tests.Features.Access.Consents;

/// <summary>
/// Sanity bounds, generous on purpose (a shared, loaded CI machine), that catch an evaluator gone
/// quadratic or I/O-bound; real benchmarks live in benchmarks/.
/// </summary>
public sealed class ConsentPerformanceTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    // 1,000 Consents as a busy patient might collect them: a grant to each of 400 practitioners with
    // a period and a nested deny, 300 revoked ones, 200 role grants, 100 denies of single resources.
    private static List<Consent> ThousandConsents()
    {
        var consents = new List<Consent>(1000);
        for (var i = 0; i < 400; i++)
        {
            var grantee = People.Doctor with { FhirUser = $"Practitioner/p{i}", KeyFingerprint = People.Key((byte)i) };
            consents.Add(ConsentWith(Permit(grantee).Reads().Sections(Medical, Vitals, Prescriptions).During("2026-01-01", "2026-12-31")
                .Except(Deny().Sections(Prescriptions).During("2026-06-01", "2026-06-30"))));
        }

        for (var i = 0; i < 300; i++)
        {
            var grantee = People.Family with { FhirUser = $"RelatedPerson/r{i}" };
            consents.Add(ConsentWith(Permit(grantee).Reads()).With(c => c.Status = Consent.ConsentState.Inactive));
        }

        for (var i = 0; i < 200; i++)
        {
            consents.Add(ConsentWith(PermitRole(i % 2 == 0 ? UserRole.Researcher : UserRole.Insurer).Reads().Sections(i % 2 == 0 ? Vitals : Insurance)));
        }

        for (var i = 0; i < 100; i++)
        {
            consents.Add(ConsentWith(Deny(People.Doctor with { FhirUser = $"Practitioner/p{i}" }).Resources($"Observation/o{i}")));
        }

        return consents;
    }

    [Fact]
    public void Given_1000_consents_When_one_caller_is_decided_for_5_sections_and_2_actions_from_scratch_each_time_Then_it_stays_fast()
    {
        var consents = ThousandConsents();
        var caller = People.Doctor with { FhirUser = "Practitioner/p7", KeyFingerprint = People.Key(7) };
        ConsentEvaluator.Decide(caller, People.Record, Medical, AccessAction.Read, People.Now, consents); // warm-up (JIT, static tables)

        var watch = Stopwatch.StartNew();
        var decisions = new List<ConsentDecision>();
        foreach (var section in PhrSectionCodes.All)
        {
            foreach (var action in new[] { AccessAction.Read, AccessAction.Write })
            {
                decisions.Add(ConsentEvaluator.Decide(caller, People.Record, section, action, People.Now, consents));
            }
        }

        watch.Stop();
        output.WriteLine($"10 decisions over 1,000 consents, compiling each time: {watch.Elapsed.TotalMilliseconds:F1} ms");
        string.Concat(decisions.Select(d => d == ConsentDecision.Permit ? "P" : "-")).ShouldBe("--P-P-----");
        watch.Elapsed.ShouldBeLessThan(Bound);
    }

    [Fact]
    public void Given_1000_consents_compiled_once_When_500_callers_are_decided_Then_it_stays_fast_and_each_gets_their_own_grant()
    {
        var consents = ThousandConsents();
        var watch = Stopwatch.StartNew();
        var compiled = PatientConsents.Compile(People.Record, consents);
        var compile = watch.Elapsed;

        var permitted = 0;
        for (var i = 0; i < 500; i++)
        {
            // p300..p399 present a key other than the one the patient approved for them.
            var caller = People.Doctor with { FhirUser = $"Practitioner/p{i}", KeyFingerprint = People.Key((byte)(i < 300 ? i : i + 1)) };
            var access = compiled.AccessFor(caller, People.Now);
            permitted += PhrSectionCodes.All.Count(section => access.Decide(section, AccessAction.Read) == ConsentDecision.Permit);
        }

        watch.Stop();
        output.WriteLine($"compile 1,000 consents: {compile.TotalMilliseconds:F1} ms; 500 callers x 5 sections: {(watch.Elapsed - compile).TotalMilliseconds:F1} ms");
        compiled.ApplicableCount.ShouldBe(700);
        // p0..p299 read medical and vitals (prescriptions are denied in June); p300..p399 present the
        // wrong key, p400..p499 have no Consent.
        permitted.ShouldBe(300 * 2);
        watch.Elapsed.ShouldBeLessThan(Bound);
    }

    [Fact]
    public void Given_1000_patients_with_5_consents_each_When_the_search_filter_is_built_Then_it_stays_fast()
    {
        var patients = Enumerable.Range(0, 1000).Select(i =>
        {
            var patient = $"Patient/q{i}";
            return PatientConsents.Compile(patient,
            [
                ConsentOf(patient, Permit(People.Doctor).Reads().Sections(Vitals, Medical)),
                ConsentOf(patient, Deny(People.Doctor).Sections(Medical).During(i % 2 == 0 ? "2026-01-01" : "2027-01-01", null)),
                ConsentOf(patient, PermitRole(UserRole.Researcher).Reads().Sections(Vitals)),
                ConsentOf(patient, Permit(People.Family).Reads()),
                ConsentOf(patient, Deny(People.Doctor).Resources($"Observation/x{i}")),
            ]);
        }).ToList();

        var watch = Stopwatch.StartNew();
        var readable = ConsentEvaluator.Readable(People.Doctor, People.Now, patients);
        var columns = readable.ToSqlColumns();
        watch.Stop();

        output.WriteLine($"search filter over 1,000 patients: {watch.Elapsed.TotalMilliseconds:F1} ms");
        columns.SectionPatients.Length.ShouldBe(1000 + 500);
        columns.ExcludedResources.Length.ShouldBe(1000);
        readable.VisiblePatients.Count.ShouldBe(1000);
        watch.Elapsed.ShouldBeLessThan(Bound);
    }
}
