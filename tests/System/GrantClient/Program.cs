using System.Text.Json;
using SeSPHR.Crypto.Grants;
using SeSPHR.Phr.Sections;
using SeSPHR.Client.Accounts;
using SeSPHR.SystemTests.AtomicGrants;
using SeSPHR.Client.Grants;

namespace SeSPHR.SystemTests.GrantClient;

/// <summary>
/// The patient's client run as its own process. It reads one job (JSON, one line) from stdin, signs
/// in with the username and password the job names (restoring the keys from the SRS's backup, as
/// any new run of a client does), and runs the grant, revocation, repair or its run over ends of
/// access (<c>ends-of-access</c>) with the driver. Before
/// each step it writes <c>STEP {step} {consentId}</c> and, when the job asks to pause, waits for a
/// line on stdin, so the test can kill it exactly there. It ends with <c>DONE {consentId}</c>, or
/// <c>FAILED {error type}</c> and exit code 1. The password comes over stdin, never the command line.
/// With the argument <c>seed-demo</c> it makes the demo users of <c>./sesphr up</c> instead (<see cref="DemoSeed"/>),
/// with <c>read-as</c> it reads as one of them (<see cref="DemoReader"/>, <c>./sesphr as</c>).
/// </summary>
public static class Program
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<int> Main(string[] args)
    {
        try
        {
            if (args is ["seed-demo"])
            {
                return await DemoSeed.RunAsync();
            }

            if (args is ["read-as"])
            {
                return await DemoReader.RunAsync();
            }

            var job = JsonSerializer.Deserialize<GrantJob>(Console.ReadLine() ?? "", Json)
                ?? throw new InvalidOperationException("no job on stdin");
            using var patient = await PhrUser.SignInAsync(
                new SystemEndpoints(new Uri(job.Srs), new Uri(job.Fhir)), job.Username, job.Password, SrsRoles.Patient, job.FhirUser);
            var grants = PatientGrants.Open(patient, job.JournalFolder);
            grants.BeforeStep = async (step, consentId) =>
            {
                Console.WriteLine($"STEP {step} {consentId}");
                if (job.Pause && Console.ReadLine() is null)
                {
                    throw new InvalidOperationException("stdin closed while waiting at " + step);
                }

                await Task.CompletedTask;
            };
            Console.WriteLine("READY");
            var consentId = job.Action switch
            {
                "grant" => (await grants.GrantAsync(
                    job.GranteeFhirUser ?? throw new InvalidOperationException("grant needs granteeFhirUser"),
                    KeyFingerprint.FromBytes(Convert.FromHexString(job.GranteeFingerprint ?? "")),
                    [.. (job.Sections ?? []).Select(code => PhrSectionCodes.TryParse(code, out var section) ? section : throw new InvalidOperationException("unknown section " + code))])).ConsentId,
                "revoke" => await RevokeAsync(grants, job.ConsentId ?? throw new InvalidOperationException("revoke needs consentId")),
                "repair" => (await grants.RepairAsync()).ToString(System.Globalization.CultureInfo.InvariantCulture),
                "ends-of-access" => (await grants.RunEndsOfAccessAsync()).DepartedMembers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => throw new InvalidOperationException("unknown action " + job.Action),
            };
            Console.WriteLine($"DONE {consentId}");
            return 0;
        }
        catch (Exception ex)
        {
            // The type and message only: the driver's messages carry statuses and ids, never secrets.
            Console.WriteLine($"FAILED {ex.GetType().Name}: {ex.Message}");
            return 1;
        }
    }

    private static async Task<string> RevokeAsync(PatientGrants grants, string consentId)
    {
        await grants.RevokeAsync(consentId);
        return consentId;
    }
}
