using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;
using Perfolizer.Horology;

namespace SeSPHR.Benchmarks;

/// <summary>
/// A short job (3 warm-up and 10 measured iterations of about 250 ms, one process) so the whole crypto
/// suite runs in well under 15 minutes on two cores; medians are what the report compares. The full
/// JSON export is what run-crypto.sh reads.
/// </summary>
public sealed class BenchmarkConfig : ManualConfig
{
    public BenchmarkConfig()
    {
        Add(DefaultConfig.Instance);
        AddJob(Job.Default
            .WithId("Short")
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(10)
            .WithIterationTime(TimeInterval.FromMilliseconds(250))
            // One call per loop step: the slowest operations (10,000 key pairs) take most of a second.
            .WithUnrollFactor(1)
            // Every operation here takes a microsecond or more; the empty-loop overhead is noise.
            .WithEvaluateOverhead(false));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, StatisticColumn.P90);
        AddExporter(JsonExporter.Full);
        WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
    }
}
