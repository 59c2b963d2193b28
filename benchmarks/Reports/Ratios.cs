using System.Globalization;

namespace SeSPHR.Benchmarks.Reports;

public static class Ratios
{
    /// <summary>A "times faster" figure: whole numbers from 10 up, one decimal below, so 0.4 never reads as 0.</summary>
    public static string Times(double ratio) =>
        ratio.ToString(ratio >= 10 ? "N0" : "F1", CultureInfo.InvariantCulture);
}
