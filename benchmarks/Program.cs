using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using SeSPHR.Benchmarks;
using SeSPHR.Benchmarks.Paper;

// `paper [--quick|--full] [--out DIR]`: the paper's figures side by side (PaperReport);
// `turnaround-report ROWS.json MODE [--out DIR]`: the turnaround report from the access run's rows;
// `growth-report RESULTS.csv SIZES.csv MODE [--out DIR]`: the growth report from the load run's growth mode;
// `grants-report ROWS.json MODE [--out DIR]`: the grants report from the access run's rows.
// Otherwise everything the switcher offers: `dotnet run -c Release -- --list flat`, or `--filter '*Aead*'`.
// run-crypto.sh runs them all with BenchmarkConfig's short job and turns the JSON into the report.
// Passing `--job <name>` (e.g. `--job dry` for a smoke run) replaces the short job.
if (args.Length > 0 && args[0] == "paper")
{
    return PaperReport.Run(args[1..]);
}

if (args.Length > 2 && args[0] == "growth-report")
{
    return SeSPHR.Benchmarks.Growth.GrowthReport.Run(args[1..]);
}

if (args.Length > 1 && args[0] == "grants-report")
{
    return SeSPHR.Benchmarks.Growth.GrantsReport.Run(args[1..]);
}

if (args.Length > 1 && args[0] == "turnaround-report")
{
    return TurnaroundReport.Run(args[1..]);
}

IConfig config = args.Contains("--job", StringComparer.OrdinalIgnoreCase) ? DefaultConfig.Instance : new BenchmarkConfig();
BenchmarkSwitcher.FromAssembly(typeof(BenchmarkConfig).Assembly).Run(args, config);
return 0;
