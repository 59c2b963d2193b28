using System.Globalization;
using System.Text;
using System.Text.Json;
using SeSPHR.Benchmarks.Reports;

namespace SeSPHR.Benchmarks.Growth;

/// <summary>
/// <c>SeSPHR.Benchmarks grants-report ROWS.json MODE [--out DIR]</c>: a granted doctor's search and
/// cold reads as the patient's number of grantees grows, from the rows the access run's seeder
/// measured (<c>benchmarks/access/AccessData/GrantsGrowth.cs</c>). Writes <c>grants-growth.{json,md,png}</c>.
/// </summary>
public static class GrantsReport
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static int Run(string[] args)
    {
        var rows = JsonSerializer.Deserialize<List<Row>>(File.ReadAllText(args[0]), Json) ?? [];
        var mode = args.Length > 1 ? args[1] : "default";
        var folder = ReportArguments.Folder(args);
        var run = RunInfo.Capture(mode).Finish();

        File.WriteAllText(Path.Combine(folder, "grants-growth.json"), JsonSerializer.Serialize(new { run, rows }, Json));
        File.WriteAllText(Path.Combine(folder, "grants-growth.md"), Markdown(run, rows));
        Charts.Save(Path.Combine(folder, "grants-growth.png"), "A granted doctor's requests as the patient's grantees grow", "grantees", "requests/s",
            [.. rows.GroupBy(r => r.Operation).Select(g => new Curve("doctor's " + g.Key, [.. g.Select(r => (double)r.Grantees)], [.. g.Select(r => r.RequestsPerSecond)]))],
            logY: false, logX: true);
        Console.WriteLine($"grants: wrote {Path.Combine(folder, "grants-growth.md")}");
        return rows.Count > 0 ? 0 : 1;
    }

    private static string Markdown(RunInfo run, IReadOnlyList<Row> rows)
    {
        var text = new StringBuilder();
        text.AppendLine("# A granted doctor's search and cold reads as the patient's grantees grow");
        text.AppendLine();
        text.AppendLine(run.MarkdownHeader());
        text.AppendLine();
        var kept = rows.GroupBy(r => r.Operation).Select(g =>
        {
            var ordered = g.OrderBy(r => r.Grantees).ToList();
            return string.Create(CultureInfo.InvariantCulture,
                $"{g.Key} {ordered[^1].RequestsPerSecond / ordered[0].RequestsPerSecond:P0} of its rate at {ordered[0].Grantees} grantee(s) with {ordered[^1].Grantees}");
        });
        text.AppendLine($"Headline: the doctor's {string.Join("; ", kept)}.");
        text.AppendLine();
        text.AppendLine("Written by `./sesphr bench grants-growth` (`benchmarks/access/run.sh` with `ACCESS_GRANTEES`, measured by `benchmarks/access/AccessData/GrantsGrowth.cs`). The SRS and the FhirServer in the production configuration (tokens, Consent, audit) on loopback. At each step the patient has granted vitals to that many people in all: the doctor and family members registered for the run. The doctor then sends, eight at a time: searches of the patient's Observations (20 a page, their cfrags already issued, so the FhirServer replays them) and reads of Observations it never read (the FhirServer asks the SRS to re-encrypt each capsule: the SRS's re-encryption rate as the patient's grants grow). Throughput over the whole batch, latency per request from the client.");
        text.AppendLine();
        text.AppendLine("| grantees | operation | requests | requests/s | p50 (ms) | p99 (ms) |");
        text.AppendLine("| ---: | --- | ---: | ---: | ---: | ---: |");
        foreach (var row in rows.OrderBy(r => r.Operation).ThenBy(r => r.Grantees))
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {row.Grantees} | {row.Operation} | {row.Requests} | {row.RequestsPerSecond:N0} | {row.P50Ms:F1} | {row.P99Ms:F1} |"));
        }

        text.AppendLine();
        text.AppendLine("Plot: `grants-growth.png`.");
        return text.ToString();
    }

    private sealed record Row(int Grantees, string Operation, int Requests, double RequestsPerSecond, double P50Ms, double P99Ms);
}
