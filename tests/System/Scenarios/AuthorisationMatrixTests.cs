using System.Text;
using SeSPHR.Phr.Sections;
using SeSPHR.SystemTests.Driver.Accounts;
using SeSPHR.SystemTests.Driver.Grants;
using SeSPHR.SystemTests.Driver.Reading;
using SeSPHR.SystemTests.Driver.Records;
using SeSPHR.SystemTests.Infrastructure;
using SeSPHR.SystemTests.Scenarios.Support;

namespace SeSPHR.SystemTests.Scenarios;

/// <summary>
/// Every caller × section × access path against the literal table of <see cref="AuthorisationMatrix"/>,
/// through the running servers. All cells are observed before the verdict, so one run lists every
/// disagreement at once.
/// </summary>
[Collection(RunningSystemGroup.Name)]
public sealed class AuthorisationMatrixTests(SesphrSystem system)
{
    [Fact]
    public async System.Threading.Tasks.Task Given_a_record_with_grants_When_every_caller_tries_every_path_to_every_section_Then_each_gets_exactly_its_cell()
    {
        using var patient = await system.NewPatientAsync("owner");
        var grants = PatientGrants.Open(patient, system.JournalFolder(patient));
        var planted = await PlantedRecord.WriteAsync(new PatientRecord(patient, grants.Book));

        var callers = new Dictionary<string, PhrUser>
        {
            ["patient"] = patient,
            ["other-patient"] = await system.NewPatientAsync("other"),
            ["family"] = await system.NewMemberAsync("family", SrsRoles.RelatedPerson),
            ["doctor"] = await system.NewMemberAsync("doctor", SrsRoles.Practitioner),
            ["insurer"] = await system.NewMemberAsync("insurer", SrsRoles.Insurer),
            ["pharmacist"] = await system.NewMemberAsync("pharmacist", SrsRoles.Pharmacist),
            ["researcher"] = await system.NewMemberAsync("researcher", SrsRoles.Researcher),
        };
        try
        {
            await Grant(grants, callers["family"], PhrSection.Personal, PhrSection.Vitals);
            await Grant(grants, callers["doctor"], PhrSection.Medical, PhrSection.Vitals, PhrSection.Prescriptions);
            await Grant(grants, callers["insurer"], PhrSection.Insurance);
            await Grant(grants, callers["pharmacist"], PhrSection.Prescriptions);

            var mismatches = new StringBuilder();
            foreach (var callerName in AuthorisationMatrix.Callers)
            {
                var caller = callers.GetValueOrDefault(callerName);
                GranteeReader? reader = null;
                if (caller is not null && caller != patient)
                {
                    reader = new GranteeReader(caller);
                    await reader.LearnAsync(patient.FhirUser);
                }

                using var anonymous = AccessProbe.Anonymous(system.Endpoints);
                var fhir = caller?.Fhir ?? anonymous;
                var probe = new AccessProbe(planted, caller, reader);
                // Writes last, personal last of all: a wrongly accepted write must not change what later cells read.
                foreach (var path in AuthorisationMatrix.Paths)
                {
                    foreach (var section in PhrSectionCodes.All.OrderBy(s => path == "write" && s == PhrSection.Personal))
                    {
                        var expected = AuthorisationMatrix.Expected[(callerName, section, path)];
                        var observed = await probe.ObserveAsync(fhir, section, path);
                        if (observed != expected)
                        {
                            mismatches.AppendLine($"{callerName,-14} {section.ToCode(),-14} {path,-12} expected {expected,-4} observed {observed}");
                        }
                    }
                }
            }

            mismatches.ToString().ShouldBeEmpty();
        }
        finally
        {
            foreach (var user in callers.Values.Where(u => u != patient))
            {
                user.Dispose();
            }
        }
    }

    private static async System.Threading.Tasks.Task Grant(PatientGrants grants, PhrUser grantee, params PhrSection[] sections) =>
        await grants.GrantAsync(grantee.FhirUser, grantee.Keys.Fingerprint, sections);
}
