using System.Globalization;
using System.Text;
using System.Text.Json;
using SeSPHR.Benchmarks.Reports;
using static SeSPHR.Benchmarks.Reports.Ratios;

namespace SeSPHR.Benchmarks.Paper;

/// <summary>
/// <c>SeSPHR.Benchmarks turnaround-report ROWS.json MODE [--out DIR]</c>: the report of the paper's
/// upload and download turnaround (its Fig. 6), from the rows the access run's seeder measured against
/// the real processes (<c>benchmarks/access/AccessData/Turnaround.cs</c>): medians per size,
/// the paper's values beside them, and <c>paper-turnaround.{json,md,png}</c>.
/// </summary>
public static class TurnaroundReport
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static int Run(string[] args)
    {
        var rows = JsonSerializer.Deserialize<List<Row>>(File.ReadAllText(args[0]), Json) ?? [];
        var mode = args.Length > 1 ? args[1] : "default";
        var folder = ReportArguments.Folder(args);
        var run = RunInfo.Capture(mode).Finish();
        var medians = rows.GroupBy(r => r.KiB).OrderBy(g => g.Key).Select(g => new Median(
            g.Key, g.Count(), MedianOf(g, r => r.Upload), MedianOf(g, r => r.PatientDownload), MedianOf(g, r => r.DoctorCold), MedianOf(g, r => r.DoctorWarm))).ToList();

        File.WriteAllText(Path.Combine(folder, "paper-turnaround.json"), JsonSerializer.Serialize(new { run, medians, rows }, Json));
        File.WriteAllText(Path.Combine(folder, "paper-turnaround.md"), Markdown(run, medians));
        Plot(folder, medians);
        Console.WriteLine($"turnaround: wrote {Path.Combine(folder, "paper-turnaround.md")}");
        return medians.Count > 0 ? 0 : 1;
    }

    private static string Markdown(RunInfo run, IReadOnlyList<Median> medians)
    {
        var text = new StringBuilder();
        text.AppendLine("# The paper's upload and download turnaround, side by side");
        text.AppendLine();
        text.AppendLine(run.MarkdownHeader());
        text.AppendLine();
        var upload = medians.Min(m => PaperFigures.Upload(m.KiB) / m.Upload);
        var download = medians.Min(m => PaperFigures.Download(m.KiB) / Math.Max(m.PatientDownload, Math.Max(m.DoctorCold, m.DoctorWarm)));
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Headline: against the paper, at the least favourable size: upload {Times(upload)}× faster, download {Times(download)}× faster (the slowest of the patient's, the doctor's cold and warm reads); target 10× at every size."));
        text.AppendLine();
        text.AppendLine("Written by `./sesphr bench paper-turnaround` (`benchmarks/access/run.sh` with `ACCESS_READS=0`, measured by `benchmarks/access/AccessData/Turnaround.cs`). A private PostgreSQL cluster (fsync on), the SRS and the FhirServer in the production configuration on loopback. The file is a DocumentReference's attachment (medical section). Upload: the patient's sealed Firely client seals, signs and PUTs it and the FhirServer stores it. Download: a read through the FhirServer until the opened resource is in hand and its content checked, by the patient (no SRS), by the granted doctor cold (the FhirServer asks the SRS to re-encrypt the capsule) and warm (the FhirServer replays the cfrag it was issued). Each figure is the median of the rounds; one request at a time. The paper's end points (50 KB and 2 MB) are from its text, the points between interpolated linearly (marked *).");
        text.AppendLine();
        text.AppendLine("| KiB | rounds | upload (s) | paper (s) | × | patient download (s) | doctor cold (s) | doctor warm (s) | paper download (s) | × (slowest) |");
        text.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var m in medians)
        {
            var star = PaperFigures.IsStated(m.KiB) ? "" : "*";
            var slowest = Math.Max(m.PatientDownload, Math.Max(m.DoctorCold, m.DoctorWarm));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {m.KiB} | {m.Rounds} | {m.Upload:F4} | {PaperFigures.Upload(m.KiB):F2}{star} | {Times(PaperFigures.Upload(m.KiB) / m.Upload)} | {m.PatientDownload:F4} | {m.DoctorCold:F4} | {m.DoctorWarm:F4} | {PaperFigures.Download(m.KiB):F2}{star} | {Times(PaperFigures.Download(m.KiB) / slowest)} |"));
        }

        text.AppendLine();
        text.AppendLine("Plot: `paper-turnaround.png` (logarithmic time axis; the paper dashed).");
        return text.ToString();
    }

    private static void Plot(string folder, IReadOnlyList<Median> medians)
    {
        double[] sizes = [.. medians.Select(m => (double)m.KiB)];
        Charts.Save(Path.Combine(folder, "paper-turnaround.png"), "Upload and download turnaround on loopback", "KiB", "seconds",
        [
            new Curve("paper upload", sizes, [.. medians.Select(m => PaperFigures.Upload(m.KiB))], Quoted: true),
            new Curve("paper download", sizes, [.. medians.Select(m => PaperFigures.Download(m.KiB))], Quoted: true),
            new Curve("SeSPHR upload", sizes, [.. medians.Select(m => m.Upload)]),
            new Curve("SeSPHR patient download", sizes, [.. medians.Select(m => m.PatientDownload)]),
            new Curve("SeSPHR doctor download, cold", sizes, [.. medians.Select(m => m.DoctorCold)]),
            new Curve("SeSPHR doctor download, warm", sizes, [.. medians.Select(m => m.DoctorWarm)]),
        ]);
    }

    private static double MedianOf(IEnumerable<Row> rows, Func<Row, double> value)
    {
        var sorted = rows.Select(value).Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>One round at one size, in seconds, as the seeder writes it.</summary>
    private sealed record Row(int KiB, double Upload, double PatientDownload, double DoctorCold, double DoctorWarm);

    private sealed record Median(int KiB, int Rounds, double Upload, double PatientDownload, double DoctorCold, double DoctorWarm);
}
