using System.Globalization;
using System.Text;
using System.Text.Json;
using SeSPHR.Benchmarks.Reports;

namespace SeSPHR.Benchmarks.Growth;

/// <summary>
/// <c>SeSPHR.Benchmarks growth-report RESULTS.csv SIZES.csv MODE [--out DIR]</c>: how reads by id,
/// searches by patient and creates hold up as the stored Observations grow, plain against protected,
/// and what a stored resource costs on disk, from the load run's growth mode (<c>LOAD_GROWTH</c>).
/// Writes <c>growth.{json,md,png}</c>.
/// </summary>
public static class GrowthReport
{
    private const double Target = 0.8;
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static int Run(string[] args)
    {
        var points = ReadPoints(args[0]);
        var sizes = ReadSizes(args[1]);
        var mode = args.Length > 2 ? args[2] : "default";
        var folder = ReportArguments.Folder(args);
        var run = RunInfo.Capture(mode).Finish();

        File.WriteAllText(Path.Combine(folder, "growth.json"), JsonSerializer.Serialize(new { run, points, sizes }, Json));
        File.WriteAllText(Path.Combine(folder, "growth.md"), Markdown(run, points, sizes));
        Plot(folder, points);
        Console.WriteLine($"growth: wrote {Path.Combine(folder, "growth.md")}");
        return points.Count > 0 ? 0 : 1;
    }

    private static string Markdown(RunInfo run, IReadOnlyList<Point> points, IReadOnlyList<Size> sizes)
    {
        var text = new StringBuilder();
        text.AppendLine("# How reads, searches and creates hold up as the stored Observations grow");
        text.AppendLine();
        text.AppendLine(run.MarkdownHeader());
        text.AppendLine();
        text.AppendLine(Headline(points));
        text.AppendLine();
        text.AppendLine("Written by `./sesphr bench growth` (`benchmarks/load/run.sh` with `LOAD_GROWTH`). For each configuration one database on a private PostgreSQL cluster (fsync on) is filled step by step (patients with 20 Observations each, in transactions of 100); at each step wrk on loopback reads by id and searches by patient over what is stored by then, and creates, at the same number of connections. Plain: `Fhir:ProtectedSections=false`; protected: the default section policy, every stored Observation sealed as a patient's client writes it (clear part plus a signed vitals envelope, each verified by the server on write); the creates post clear parts, as the load run's do. Neither checks tokens or Consent: this isolates the storage's growth; `access-read` measures the whole production read path. Target: from the smallest to the largest step, reads by id and searches by patient keep at least 80 % of their throughput.");
        text.AppendLine();
        text.AppendLine("| configuration | operation | stored Observations | requests/s | p99 (ms) | of the smallest step |");
        text.AppendLine("| --- | --- | ---: | ---: | ---: | ---: |");
        foreach (var series in points.GroupBy(p => (p.Config, p.Operation)))
        {
            var first = series.OrderBy(p => p.Stored).First();
            foreach (var point in series.OrderBy(p => p.Stored))
            {
                text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {point.Config} | {point.Operation} | {point.Stored:N0} | {point.RequestsPerSecond:N0} | {point.P99Ms:F1} | {point.RequestsPerSecond / first.RequestsPerSecond:P0} |"));
            }
        }

        text.AppendLine();
        text.AppendLine("## The database's size per stored resource");
        text.AppendLine();
        text.AppendLine("| configuration | stored Observations | database (MiB) | bytes per resource added since the step before |");
        text.AppendLine("| --- | ---: | ---: | ---: |");
        foreach (var series in sizes.GroupBy(s => s.Config))
        {
            var ordered = series.OrderBy(s => s.Stored).ToList();
            for (var i = 1; i < ordered.Count; i++)
            {
                var added = (double)(ordered[i].Bytes - ordered[i - 1].Bytes) / Math.Max(1, ordered[i].Resources - ordered[i - 1].Resources);
                text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {series.Key} | {ordered[i].Stored:N0} | {ordered[i].Bytes / 1048576.0:N0} | {added:N0} |"));
            }
        }

        text.AppendLine();
        text.AppendLine("Bytes per resource: the growth of `pg_database_size` (tables, indexes, TOAST, free space PostgreSQL keeps) divided by the resources added (Observations and their Patients), after `VACUUM ANALYZE`. Plot: `growth.png`.");
        return text.ToString();
    }

    private static string Headline(IReadOnlyList<Point> points)
    {
        var kept = points.Where(p => p.Operation is "read" or "search").GroupBy(p => (p.Config, p.Operation)).Select(series =>
        {
            var ordered = series.OrderBy(p => p.Stored).ToList();
            var ratio = ordered[^1].RequestsPerSecond / ordered[0].RequestsPerSecond;
            return string.Create(CultureInfo.InvariantCulture, $"{series.Key.Config} {series.Key.Operation} {ratio:P0}{(ratio >= Target ? "" : " (MISSED)")}");
        });
        var span = points.Count == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"from {points.Min(p => p.Stored):N0} to {points.Max(p => p.Stored):N0} stored Observations");
        return $"Headline: throughput kept {span}: {string.Join(", ", kept)} (target 80 %).";
    }

    private static void Plot(string folder, IReadOnlyList<Point> points)
    {
        var curves = points.GroupBy(p => (p.Config, p.Operation)).Select(series =>
        {
            var ordered = series.OrderBy(p => p.Stored).ToList();
            return new Curve($"{series.Key.Config} {series.Key.Operation}", [.. ordered.Select(p => (double)p.Stored)], [.. ordered.Select(p => p.RequestsPerSecond)], Quoted: series.Key.Config == "plain");
        }).ToList();
        Charts.Save(Path.Combine(folder, "growth.png"), "Throughput as the stored Observations grow (plain dashed)", "stored Observations", "requests/s", curves, logY: true, logX: true);
    }

    private static List<Point> ReadPoints(string path)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        int Column(string name) => Array.IndexOf(header, name);
        return [.. lines.Skip(1).Select(line => line.Split(',')).Where(cells => cells[1].Contains(':', StringComparison.Ordinal)).Select(cells =>
        {
            var operation = cells[1].Split(':');
            return new Point(cells[0], operation[0], int.Parse(operation[1], CultureInfo.InvariantCulture),
                double.Parse(cells[Column("requests_per_s")], CultureInfo.InvariantCulture),
                double.Parse(cells[Column("p99_ms")], CultureInfo.InvariantCulture));
        })];
    }

    private static List<Size> ReadSizes(string path) =>
        [.. File.ReadAllLines(path).Skip(1).Select(line => line.Split(',')).Select(cells => new Size(
            cells[0],
            int.Parse(cells[2], CultureInfo.InvariantCulture),
            long.Parse(cells[3], CultureInfo.InvariantCulture),
            long.Parse(cells[4], CultureInfo.InvariantCulture)))];

    private sealed record Point(string Config, string Operation, int Stored, double RequestsPerSecond, double P99Ms);

    private sealed record Size(string Config, int Stored, long Bytes, long Resources);
}
