using ScottPlot;
using ScottPlot.TickGenerators;

namespace SeSPHR.Benchmarks.Reports;

/// <summary>One measured or quoted curve of a chart.</summary>
public sealed record Curve(string Label, IReadOnlyList<double> X, IReadOnlyList<double> Y, bool Quoted = false);

/// <summary>
/// The charts of the reports, drawn with ScottPlot. Values that span several orders of magnitude
/// (the paper's seconds against our milliseconds) go on a logarithmic axis, drawn by plotting
/// log10 of the values with decade ticks, since ScottPlot has no log axis of its own.
/// </summary>
public static class Charts
{
    public static void Save(string path, string title, string xLabel, string yLabel, IReadOnlyList<Curve> curves, bool logY = true, bool logX = false)
    {
        var plot = new Plot();
        foreach (var curve in curves)
        {
            var xs = curve.X.Select(x => logX ? Math.Log10(x) : x).ToArray();
            var ys = curve.Y.Select(y => logY ? Math.Log10(Math.Max(y, 1e-9)) : y).ToArray();
            var scatter = plot.Add.Scatter(xs, ys);
            scatter.LegendText = curve.Label;
            scatter.LineWidth = 2;
            scatter.MarkerSize = 6;
            if (curve.Quoted)
            {
                scatter.LinePattern = LinePattern.Dashed;
            }
        }

        if (logY)
        {
            plot.Axes.Left.TickGenerator = Decades();
        }

        if (logX)
        {
            plot.Axes.Bottom.TickGenerator = Decades();
        }

        plot.Title(title);
        plot.Axes.Bottom.Label.Text = xLabel;
        plot.Axes.Left.Label.Text = yLabel;
        // Beside the data, never over a curve.
        plot.ShowLegend(Edge.Right);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, 1100, 560);
    }

    private static NumericAutomatic Decades() => new()
    {
        MinorTickGenerator = new LogMinorTickGenerator(),
        IntegerTicksOnly = true,
        LabelFormatter = value => Math.Pow(10, value).ToString("G4", System.Globalization.CultureInfo.InvariantCulture),
    };
}
