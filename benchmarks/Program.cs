using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using SeSPHR.Benchmarks;

// Everything the switcher offers: `dotnet run -c Release -- --list flat`, or `--filter '*Aead*'`.
// run-crypto.sh runs them all with BenchmarkConfig's short job and turns the JSON into the report.
// Passing `--job <name>` (e.g. `--job dry` for a smoke run) replaces the short job.
IConfig config = args.Contains("--job", StringComparer.OrdinalIgnoreCase) ? DefaultConfig.Instance : new BenchmarkConfig();
BenchmarkSwitcher.FromAssembly(typeof(BenchmarkConfig).Assembly).Run(args, config);
