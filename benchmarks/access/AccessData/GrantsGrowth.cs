using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Grants;
using SeSPHR.Contracts;
using SeSPHR.Phr.Sections;

namespace SeSPHR.AccessData;

/// <summary>
/// How a granted doctor's reads hold up as the patient grants more people: at each step the patient
/// has granted vitals to that many grantees in all (the doctor and family members registered for the
/// run), and the doctor, eight requests at a time, searches the patient's Observations (20 a page,
/// cfrags warm) and reads Observations it never read (each capsule re-encrypted by the SRS, which
/// finds the doctor's kfrag among all the patient's grants).
/// </summary>
internal static class GrantsGrowth
{
    private const int Concurrency = 8;

    public static async Task<int> RunAsync(string folder, IReadOnlyList<int> steps, int requests, string output)
    {
        using var session = await BenchSession.OpenAsync(folder);
        var (at, patient, doctor, grants) = (session.Endpoints, session.Patient, session.Doctor, session.Grants);
        var coldIds = new ConcurrentQueue<string>(File.ReadLines(Path.Combine(folder, "read-cold.txt")).Select(line => line.Split('\t')[1].Split('/')[^1]));
        var search = $"subject={patient.FhirUser}&_count=20";

        var rows = new List<GrantsRow>();
        var grantees = 1;
        foreach (var step in steps)
        {
            for (; grantees < step; grantees++)
            {
                await GrantFamilyMemberAsync(at, grants, grantees);
            }

            rows.Add(await MeasureAsync(step, "search", requests, () => doctor.Fhir.SearchAsync("Observation", search)));
            rows.Add(await MeasureAsync(step, "cold read", requests, () =>
            {
                var id = coldIds.TryDequeue(out var next) ? next : throw new InvalidOperationException("the cold pool ran out: raise ACCESS_COUNT");
                return doctor.Fhir.ReadAsync("Observation", id);
            }));
            Console.Error.WriteLine($"access-data: {step} grantees measured");
        }

        await File.WriteAllTextAsync(output, JsonSerializer.Serialize(rows, BenchSession.Json));
        return 0;
    }

    private static async Task GrantFamilyMemberAsync(SystemEndpoints at, PatientGrants grants, int number)
    {
        using var member = PhrUser.Create(at, $"bench-family-{number}", SrsRoles.RelatedPerson, "RelatedPerson/" + Guid.NewGuid().ToString("N"), PhrUser.NewPassword());
        await member.RegisterAsync();
        await grants.GrantAsync(member.FhirUser, member.Keys.Fingerprint, [PhrSection.Vitals]);
    }

    private static async Task<GrantsRow> MeasureAsync(int grantees, string operation, int requests, Func<Task<Client.Fhir.FhirResponse>> call)
    {
        // Untimed first: the search page's cfrags are issued on its first read, and connections and
        // the servers' caches warm up, so each point measures the steady state it names.
        await RunAsync(operation, Math.Max(Concurrency, requests / 10), call, new ConcurrentBag<double>());
        var latencies = new ConcurrentBag<double>();
        var clock = Stopwatch.StartNew();
        await RunAsync(operation, requests, call, latencies);
        var seconds = clock.Elapsed.TotalSeconds;
        var sorted = latencies.Order().ToArray();
        return new GrantsRow(grantees, operation, requests, requests / seconds, sorted[sorted.Length / 2], sorted[(int)Math.Ceiling(sorted.Length * 0.99) - 1]);
    }

    private static async Task RunAsync(string operation, int requests, Func<Task<Client.Fhir.FhirResponse>> call, ConcurrentBag<double> latencies)
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, requests), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (_, _) =>
        {
            var one = Stopwatch.StartNew();
            var answer = await call();
            latencies.Add(one.Elapsed.TotalMilliseconds);
            if (!answer.IsSuccess)
            {
                throw new InvalidOperationException($"the doctor's {operation} answered {(int)answer.Status}");
            }
        });
    }
}

/// <summary>One operation at one number of grantees.</summary>
internal sealed record GrantsRow(int Grantees, string Operation, int Requests, double RequestsPerSecond, double P50Ms, double P99Ms);
