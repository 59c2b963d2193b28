using BenchmarkDotNet.Attributes;

namespace SeSPHR.Benchmarks;

/// <summary>Section envelope seal and open at the crypto suite's sizes (target: 2 MiB each under 5 ms).</summary>
[BenchmarkCategory("Envelope")]
public class EnvelopeBenchmarks : SectionEnvelopeBenchmarks
{
    [Params("1 KiB", "2 MiB")]
    public string Size { get; set; } = "2 MiB";

    protected override int Bytes => Sizes.Parse(Size);
}
