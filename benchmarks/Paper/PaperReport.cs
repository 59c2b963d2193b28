using System.Globalization;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;
using SeSPHR.Benchmarks.Reports;
using static SeSPHR.Benchmarks.Reports.Ratios;

namespace SeSPHR.Benchmarks.Paper;

/// <summary>
/// <c>SeSPHR.Benchmarks paper [--quick|--full] [--out DIR]</c>: the paper's key generation and its
/// encryption and decryption against file size, measured with BenchmarkDotNet, and the report
/// <c>paper-crypto.{json,md}</c> with a plot per figure, the paper's curve beside ours.
/// </summary>
public static class PaperReport
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static int Run(string[] args)
    {
        var mode = args.Contains("--quick") ? "quick" : args.Contains("--full") ? "full" : "default";
        var folder = ReportArguments.Folder(args);
        var run = RunInfo.Capture(mode);
        var config = Config(mode);

        var keys = Medians(BenchmarkRunner.Run<PaperKeyGenerationBenchmarks>(config), "Users");
        var registration = Medians(BenchmarkRunner.Run<PaperRegistrationBenchmarks>(config), null);
        var sections = Medians(BenchmarkRunner.Run<PaperSectionBenchmarks>(config), "KiB");
        run.Finish();

        var measured = new Measured(keys, registration.Values.Single(), sections);
        File.WriteAllText(Path.Combine(folder, "paper-crypto.json"), JsonSerializer.Serialize(new { run, measured = measured.Rows() }, Json));
        File.WriteAllText(Path.Combine(folder, "paper-crypto.md"), Markdown(run, measured));
        Plot(folder, measured);
        Console.WriteLine($"paper: wrote {Path.Combine(folder, "paper-crypto.md")}");
        return measured.AllComplete ? 0 : 1;
    }

    /// <summary>
    /// In process (no generated project to build, which would cost minutes per class on two cores);
    /// the quick mode keeps every case and cuts each to a few calls, so CI sees every case run.
    /// </summary>
    private static ManualConfig Config(string mode)
    {
        var quick = mode == "quick";
        var job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithWarmupCount(quick ? 1 : 3)
            .WithIterationCount(quick ? 2 : mode == "full" ? 20 : 10)
            .WithIterationTime(TimeInterval.FromMilliseconds(250))
            .WithUnrollFactor(1)
            .WithEvaluateOverhead(false);
        if (quick)
        {
            // One call per iteration and no pilot stage: a smoke run, not a measurement.
            job = job.WithInvocationCount(1);
        }

        var config = ManualConfig.CreateEmpty().AddJob(job).AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance);
        config.Options |= ConfigOptions.DisableOptimizationsValidator;
        return config;
    }

    /// <summary>Median seconds per (benchmark description, parameter value); a case that failed is absent.</summary>
    private static Dictionary<(string Name, int Param), double> Medians(Summary summary, string? parameter)
    {
        var medians = new Dictionary<(string, int), double>();
        foreach (var report in summary.Reports.Where(r => r.ResultStatistics is not null))
        {
            var name = report.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo.Trim('\'');
            var value = parameter is null ? 0 : Convert.ToInt32(report.BenchmarkCase.Parameters[parameter], CultureInfo.InvariantCulture);
            medians[(name, value)] = report.ResultStatistics!.Median / 1e9;
        }

        return medians;
    }

    private static string Markdown(RunInfo run, Measured measured)
    {
        var text = new StringBuilder();
        text.AppendLine("# The paper's cryptographic figures, side by side");
        text.AppendLine();
        text.AppendLine(run.MarkdownHeader());
        text.AppendLine();
        text.AppendLine(Headline(measured));
        text.AppendLine();
        text.AppendLine("Written by `./sesphr bench` (`benchmarks/Paper`). The paper: Intel i7-2600, Java with JPBC. Its values at the end points are the ones its text states; the values between are interpolated (linearly in size, and in log10 of the users for key generation), not read off its figures (marked *). Ratios are the paper's time over ours: how many times faster SeSPHR is. Medians of BenchmarkDotNet runs in one process, one thread.");
        text.AppendLine();
        text.AppendLine("## Key generation against the number of users (paper Fig. 3; target: at least 4 times faster, 10 as the stretch)");
        text.AppendLine();
        text.AppendLine("| users | paper (s) | SeSPHR (s) | times faster | target 4× |");
        text.AppendLine("| ---: | ---: | ---: | ---: | :---: |");
        foreach (var users in PaperFigures.Users)
        {
            var paper = PaperFigures.KeyGeneration(users);
            text.AppendLine(Row(users.ToString("N0", CultureInfo.InvariantCulture), paper, users, measured.KeyPairs(users), 4));
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"The whole client-side registration of one user (key pairs, Argon2id at 64 MiB and t = 3, the authentication secret, the sealed key backup), which the paper's figure leaves out: {Seconds(measured.Registration)} s. Argon2id is slow on purpose: it is what makes a stolen backup expensive to guess at.");
        text.AppendLine();
        Sizes(text, "Encryption against file size (paper Fig. 4): section seal", "envelope seal", PaperFigures.Encryption, measured);
        Sizes(text, "Decryption against file size (paper Fig. 5): open by the owner", "envelope open", PaperFigures.Decryption, measured);
        Sizes(text, "Decryption after re-encryption: open by a grantee from one cfrag (the paper has no such figure; compared with its decryption)", "envelope open as grantee", PaperFigures.Decryption, measured);
        text.AppendLine("The SRS's re-encryption of one capsule does not depend on the size (it never sees the ciphertext):");
        text.AppendLine(CultureInfo.InvariantCulture, $"{string.Join(", ", PaperFigures.SizesKiB.Select(kib => $"{Seconds(measured.Section("re-encryption (SRS)", kib))} s at {kib} KiB"))}.");
        text.AppendLine();
        text.AppendLine("Plots: `paper-keygen.png`, `paper-encryption.png`, `paper-decryption.png` (logarithmic time axis; the paper dashed).");
        return text.ToString();
    }

    /// <summary>The line the results index quotes: the smallest margin of each figure over the paper.</summary>
    private static string Headline(Measured measured)
    {
        static string Least(IEnumerable<double?> ratios) =>
            ratios.All(r => r is not null) ? $"{Times(ratios.Min()!.Value)}×" : "failed";
        var seal = Least(PaperFigures.SizesKiB.Select(k => PaperFigures.Encryption(k) / measured.Section("envelope seal", k)));
        var open = Least(PaperFigures.SizesKiB.Select(k => PaperFigures.Decryption(k) / measured.Section("envelope open", k)));
        var grantee = Least(PaperFigures.SizesKiB.Select(k => PaperFigures.Decryption(k) / measured.Section("envelope open as grantee", k)));
        var keys = Least(PaperFigures.Users.Select(u => PaperFigures.KeyGeneration(u) / measured.KeyPairs(u)));
        return string.Create(CultureInfo.InvariantCulture,
            $"Headline: against the paper, at the least favourable size: seal {seal} faster, open {open}, open by a grantee {grantee}; key generation {keys} faster at the least favourable number of users.");
    }

    private static void Sizes(StringBuilder text, string title, string name, Func<int, double> paperAt, Measured measured)
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"## {title} (target: at least 100 times faster from 500 KiB up, faster at every size)");
        text.AppendLine();
        text.AppendLine("| KiB | paper (s) | SeSPHR (s) | times faster | target |");
        text.AppendLine("| ---: | ---: | ---: | ---: | :---: |");
        foreach (var kib in PaperFigures.SizesKiB)
        {
            text.AppendLine(Row(kib.ToString(CultureInfo.InvariantCulture), paperAt(kib), kib, measured.Section(name, kib), kib >= 500 ? 100 : 1));
        }

        text.AppendLine();
    }

    private static string Row(string label, double paper, int key, double? ours, double target)
    {
        var stated = PaperFigures.IsStated(key) ? "" : "*";
        if (ours is not { } seconds)
        {
            return $"| {label} | {paper:F3}{stated} | failed | | no |";
        }

        var ratio = paper / seconds;
        return string.Create(CultureInfo.InvariantCulture, $"| {label} | {paper:F3}{stated} | {Seconds(seconds)} | {Times(ratio)} | {(ratio >= target ? "met" : "MISSED")} ({target:G}×) |");
    }

    private static string Seconds(double? seconds) =>
        seconds is { } s ? s.ToString(s >= 0.1 ? "F3" : "0.000000", CultureInfo.InvariantCulture) : "failed";

    private static void Plot(string folder, Measured measured)
    {
        double[] users = [.. PaperFigures.Users.Select(u => (double)u)];
        double[] sizes = [.. PaperFigures.SizesKiB.Select(k => (double)k)];
        Charts.Save(Path.Combine(folder, "paper-keygen.png"), "Key generation: N users' key pairs", "users", "seconds",
        [
            new Curve("paper (i7-2600, JPBC)", users, [.. PaperFigures.Users.Select(PaperFigures.KeyGeneration)], Quoted: true),
            new Curve("SeSPHR", users, [.. PaperFigures.Users.Select(u => measured.KeyPairs(u) ?? double.NaN)]),
        ], logX: true);
        Charts.Save(Path.Combine(folder, "paper-encryption.png"), "Encryption against file size", "KiB", "seconds",
        [
            new Curve("paper (i7-2600, JPBC)", sizes, [.. PaperFigures.SizesKiB.Select(PaperFigures.Encryption)], Quoted: true),
            new Curve("SeSPHR seal", sizes, [.. PaperFigures.SizesKiB.Select(k => measured.Section("envelope seal", k) ?? double.NaN)]),
        ]);
        Charts.Save(Path.Combine(folder, "paper-decryption.png"), "Decryption against file size", "KiB", "seconds",
        [
            new Curve("paper (i7-2600, JPBC)", sizes, [.. PaperFigures.SizesKiB.Select(PaperFigures.Decryption)], Quoted: true),
            new Curve("SeSPHR open by the owner", sizes, [.. PaperFigures.SizesKiB.Select(k => measured.Section("envelope open", k) ?? double.NaN)]),
            new Curve("SeSPHR open by a grantee", sizes, [.. PaperFigures.SizesKiB.Select(k => measured.Section("envelope open as grantee", k) ?? double.NaN)]),
        ]);
    }

    private sealed record Measured(
        Dictionary<(string Name, int Param), double> Keys,
        double Registration,
        Dictionary<(string Name, int Param), double> Sections)
    {
        public bool AllComplete => Keys.Count == PaperFigures.Users.Count && Sections.Count == 4 * PaperFigures.SizesKiB.Count;

        public double? KeyPairs(int users) => Keys.TryGetValue(("key pairs of N users", users), out var s) ? s : null;

        public double? Section(string name, int kib) => Sections.TryGetValue((name, kib), out var s) ? s : null;

        public IEnumerable<object> Rows() =>
            Keys.Select(k => new { figure = "key generation", users = k.Key.Param, seconds = k.Value, paper = PaperFigures.KeyGeneration(k.Key.Param) })
                .Concat<object>([new { figure = "registration with Argon2id", seconds = Registration }])
                .Concat(Sections.Select(s => new { figure = s.Key.Name, kib = s.Key.Param, seconds = s.Value }));
    }
}
