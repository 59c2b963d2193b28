using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Records;
using SeSPHR.SystemTests.Gateway;
using SeSPHR.SystemTests.Infrastructure;

// The same reads by the same patient of the same sealed Synthea record, two ways, alternating in
// rounds so the shared machine's noise falls on both alike: through the gateway (an app's plain
// HTTP GET, the answer parsed as FHIR) and through the SDK directly (its FHIR client, then the
// patient's own opening). Both end with the opened resource in memory.
var rounds = Setting("GATEWAY_ROUNDS", 5);
var readsPerRound = Setting("GATEWAY_READS", 200);
var output = Environment.GetEnvironmentVariable("GATEWAY_RESULTS") ?? Path.Combine(Repository.Root, "benchmarks", "results");

// The tree measured is the one at the start: a commit made while the run goes on is not in it.
var commit = Report.Commit();
await using var cluster = new ClusterScope();
await cluster.StartAsync();
var scene = new GatewayScene();
await scene.InitializeAsync();
try
{
    var record = new PatientRecord(scene.Patient, PatientGrants.Open(scene.Patient, scene.System.JournalFolder(scene.Patient)).Book);
    var deserializer = new FhirJsonDeserializer(new DeserializerSettings { Validator = null });
    using var app = new HttpClient { BaseAddress = scene.Base };
    app.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", scene.Token);
    app.DefaultRequestHeaders.Accept.ParseAdd("application/fhir+json");
    var observations = scene.Source.OfType<Observation>().Select(o => o.Id!).ToArray();
    var search = $"Observation?subject={scene.Patient.FhirUser}&_count=20";

    var paths = new (string Name, Func<int, System.Threading.Tasks.Task> Read)[]
    {
        ("read via gateway", async i => deserializer.DeserializeResource(await app.GetStringAsync($"Observation/{observations[i % observations.Length]}"))),
        ("read via SDK", async i => record.OpenOwnWithGranteeWrites((await scene.Patient.Fhir.ReadAsync("Observation", observations[i % observations.Length])).Resource!)),
        ("search page of 20 via gateway", async _ => deserializer.DeserializeResource(await app.GetStringAsync(search))),
        ("search page of 20 via SDK", async _ =>
        {
            foreach (var entry in (await scene.Patient.Fhir.SearchAsync("Observation", search["Observation?".Length..])).Entries())
            {
                record.OpenOwnWithGranteeWrites(entry);
            }
        }),
    };

    var samples = paths.ToDictionary(p => p.Name, _ => new List<double>());
    foreach (var (_, read) in paths)
    {
        for (var i = 0; i < 20; i++)
        {
            await read(i);
        }
    }

    var load = new[] { LoadAverage() };
    for (var round = 0; round < rounds; round++)
    {
        foreach (var (name, read) in paths)
        {
            for (var i = 0; i < readsPerRound; i++)
            {
                var clock = Stopwatch.StartNew();
                await read(i);
                samples[name].Add(clock.Elapsed.TotalMilliseconds);
            }
        }
    }

    load = [load[0], LoadAverage()];
    await Report.WriteAsync(output, samples, rounds, readsPerRound, load, commit);
}
finally
{
    await scene.DisposeAsync();
}

static int Setting(string name, int fallback) =>
    int.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out var value) ? value : fallback;

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]) : "unknown";

/// <summary>A PostgreSQL cluster of the benchmark's own, as the system tests' runner makes one.</summary>
internal sealed class ClusterScope : IAsyncDisposable
{
    private readonly PrivateCluster _cluster = new();

    public async System.Threading.Tasks.Task StartAsync()
    {
        await _cluster.InitializeAsync();
        Environment.SetEnvironmentVariable("SESPHR_TEST_PG", _cluster.AdminConnectionString);
    }

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();
}

/// <summary>benchmarks/results/gateway-read.{md,json}, overwritten by each run.</summary>
internal static class Report
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async System.Threading.Tasks.Task WriteAsync(string folder, Dictionary<string, List<double>> samples, int rounds, int readsPerRound, string[] load, string commit)
    {
        var rows = samples.Select(s => new Row(s.Key, s.Value.Count, Percentile(s.Value, 50), Percentile(s.Value, 90), Percentile(s.Value, 99), 1000 / s.Value.Average())).ToList();
        var machine = new Machine(Cpu(), Environment.ProcessorCount, DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture), commit, load[0], load[1]);
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "gateway-read.json"), JsonSerializer.Serialize(new { machine, rounds, readsPerRound, rows }, Indented));
        await File.WriteAllTextAsync(Path.Combine(folder, "gateway-read.md"), Markdown(machine, rows, rounds, readsPerRound));
        Console.WriteLine(Markdown(machine, rows, rounds, readsPerRound));
    }

    private static string Markdown(Machine machine, List<Row> rows, int rounds, int readsPerRound)
    {
        var table = string.Join('\n', rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"| {r.Path} | {r.Reads} | {r.P50Ms:F2} | {r.P90Ms:F2} | {r.P99Ms:F2} | {r.ReadsPerSecond:F0} |")));
        var ratio = (string name) => rows.First(r => r.Path == name + " via gateway").P50Ms / rows.First(r => r.Path == name + " via SDK").P50Ms;
        return $"""
            # Gateway read: through `sesphr gateway` against the SDK directly

            Written by `benchmarks/gateway/run.sh` (overwritten by each run).
            Machine: {machine.Cpu}, {machine.Cores} cores; {machine.Date}; commit {machine.Commit}; load average before {machine.LoadBefore}, after {machine.LoadAfter}.

            The patient reads their own sealed Synthea record (one Observation by id, and one search page
            of 20 Observations), one request at a time, {rounds} rounds of {readsPerRound} per path, the
            paths alternating by round. "via SDK": the SDK's FHIR client and the patient's own opening.
            "via gateway": a plain HTTP GET to the gateway on loopback, its answer parsed as FHIR.

            | path | reads | p50 ms | p90 ms | p99 ms | reads/s (one at a time) |
            | --- | --- | --- | --- | --- | --- |
            {table}

            Gateway p50 over SDK p50: read {ratio("read"):F2}, search page {ratio("search page of 20"):F2}.

            What limits these figures: one client, one request at a time, so they are latencies, not the
            gateway's throughput under concurrency; the FhirServer, the SRS, PostgreSQL (fsync off, the
            system tests' cluster), the gateway and the client share the machine's cores, and other work
            on a shared machine moves every figure (see the load averages); the gateway's extra cost is
            one more loopback hop, a second parse and serialisation of each body, and the link rewriting.
            """;
    }

    private static double Percentile(List<double> values, int percentile)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1)];
    }

    private static string Cpu() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
            : "unknown CPU";

    public static string Commit()
    {
        var start = new ProcessStartInfo("git", "rev-parse --short HEAD") { WorkingDirectory = Repository.Root, RedirectStandardOutput = true };
        using var git = Process.Start(start);
        var commit = git?.StandardOutput.ReadToEnd().Trim();
        git?.WaitForExit();
        return string.IsNullOrEmpty(commit) ? "unknown" : commit;
    }

    private sealed record Row(string Path, int Reads, double P50Ms, double P90Ms, double P99Ms, double ReadsPerSecond);

    private sealed record Machine(string Cpu, int Cores, string Date, string Commit, string LoadBefore, string LoadAfter);
}
