using System.Text;
using SeSPHR.Phr.Sections;
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
        using var cast = await MatrixCast.AssembleAsync(system);
        var (patient, planted, callers) = (cast.Patient, cast.Planted, cast.Callers);
        var mismatches = new StringBuilder();
        foreach (var callerName in AuthorisationMatrix.Callers)
        {
            var caller = callers.GetValueOrDefault(callerName);
            var reader = await cast.ReaderForAsync(callerName);

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
}
