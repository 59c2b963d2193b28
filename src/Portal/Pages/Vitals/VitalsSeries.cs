using System.Globalization;
using Hl7.Fhir.Model;
using SeSPHR.Client.Records;

namespace SeSPHR.Portal.Pages.Vitals;

/// <summary>
/// A record's vital signs over time, one chart per vital (blood pressure with its two lines), as
/// <c>_VitalsCharts</c> draws them; or the fact that the vitals section stays sealed for the reader.
/// </summary>
public sealed class VitalsSeries
{
    private VitalsSeries(bool isShared, IReadOnlyList<VitalsChart> charts, VitalsPeriod period, DateTimeOffset? since, int readingCount)
    {
        IsShared = isShared;
        Charts = charts;
        Period = period;
        Since = since;
        ReadingCount = readingCount;
    }

    /// <summary>False when the vitals section stays sealed for this reader: the page says so instead of drawing empty charts.</summary>
    public bool IsShared { get; }

    public IReadOnlyList<VitalsChart> Charts { get; }

    public bool IsEmpty => Charts.All(chart => chart.IsEmpty);

    /// <summary>The period the readings were fetched for.</summary>
    public VitalsPeriod Period { get; }

    /// <summary>The earliest clinical date fetched; null when the period is all readings, or when the record holds none at all.</summary>
    public DateTimeOffset? Since { get; }

    /// <summary>How many Observations the charts draw (a blood pressure panel counts once).</summary>
    public int ReadingCount { get; }

    /// <summary>The period and the count in a sentence: <c>Showing the last 90 days: 12 readings</c>.</summary>
    public string Summary => $"Showing {Period.Description}: {(ReadingCount == 1 ? "1 reading" : $"{ReadingCount} readings")}";

    public static VitalsSeries NotShared { get; } = new(false, [], VitalsPeriod.Default, null, 0);

    /// <summary>The charts of the readings among <paramref name="observations"/> (any order; other codes are skipped), fetched for <paramref name="period"/>.</summary>
    public static VitalsSeries From(IReadOnlyCollection<Observation> observations, VitalsPeriod period, DateTimeOffset? since)
    {
        ArgumentNullException.ThrowIfNull(observations);
        var charted = observations.Count(o => Signs.Any(sign => sign.ValueIn(o) is not null) && MeasuredAt(o) is not null);
        return new(true,
        [
            Chart("pulse", "Pulse", VitalSign.Pulse, observations),
            Chart("temperature", "Body temperature", VitalSign.Temperature, observations),
            Chart("blood-pressure", "Blood pressure", VitalSign.Systolic, observations, VitalSign.Diastolic),
            Chart("weight", "Body weight", VitalSign.Weight, observations),
        ], period, since, charted);
    }

    private static IEnumerable<VitalSign> Signs => [VitalSign.Pulse, VitalSign.Temperature, VitalSign.Systolic, VitalSign.Weight];

    private static VitalsChart Chart(string id, string title, VitalSign sign, IReadOnlyCollection<Observation> observations, VitalSign? second = null)
    {
        var lines = new List<VitalsLine> { Line(sign, observations) };
        if (second is not null)
        {
            lines.Add(Line(second, observations));
        }

        return new VitalsChart(id, title, sign.UnitDisplay, lines);
    }

    private static VitalsLine Line(VitalSign sign, IReadOnlyCollection<Observation> observations)
    {
        var readings = new List<VitalsReading>();
        foreach (var observation in observations)
        {
            if (sign.ValueIn(observation) is { } value && MeasuredAt(observation) is { } at)
            {
                readings.Add(new VitalsReading(at, value));
            }
        }

        readings.Sort((a, b) => a.At.CompareTo(b.At));
        return new VitalsLine(char.ToUpperInvariant(sign.Name[0]) + sign.Name[1..], readings);
    }

    private static DateTimeOffset? MeasuredAt(Observation observation) =>
        observation.Effective is FhirDateTime { Value: { } text }
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at.ToUniversalTime()
            : null;
}

public sealed record VitalsReading(DateTimeOffset At, decimal Value);

/// <summary>One measured quantity over time, oldest first.</summary>
public sealed record VitalsLine(string Name, IReadOnlyList<VitalsReading> Readings);

/// <summary>
/// One chart: its lines and the geometry of the inline SVG (a fixed view box the stylesheet scales),
/// with value ticks at round steps and date ticks spread over the measured period.
/// </summary>
public sealed class VitalsChart(string id, string title, string unit, IReadOnlyList<VitalsLine> lines)
{
    public const int Width = 720;
    public const int Height = 260;
    public const int Left = 60;
    public const int Right = 36;
    public const int Top = 16;
    public const int Bottom = 40;

    /// <summary>Readings are drawn as dots as well as a line when a line has at most this many.</summary>
    private const int MaxDots = 60;

    public string Id { get; } = id;

    public string Title { get; } = title;

    public string Unit { get; } = unit;

    public IReadOnlyList<VitalsLine> Lines { get; } = lines;

    public bool IsEmpty => Lines.All(line => line.Readings.Count == 0);

    public int ReadingCount => Lines[0].Readings.Count;

    public DateTimeOffset? LatestAt => Lines[0].Readings.Count > 0 ? Lines[0].Readings[^1].At : null;

    /// <summary>The newest reading of each line, joined as it is written (<c>120/80</c> for blood pressure).</summary>
    public string Latest => string.Join("/", Lines.Select(line => line.Readings.Count > 0 ? Format(line.Readings[^1].Value) : "–"));

    public string Range
    {
        get
        {
            var values = Lines[0].Readings.Select(r => r.Value).ToList();
            return values.Count == 0 ? "" : $"{Format(values.Min())}–{Format(values.Max())}";
        }
    }

    public bool ShowsDots(VitalsLine line) => line.Readings.Count <= MaxDots;

    public static string Format(decimal value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    public double X(DateTimeOffset at)
    {
        var (first, last) = Period;
        var span = (last - first).TotalSeconds;
        var share = span <= 0 ? 0.5 : (at - first).TotalSeconds / span;
        return Math.Round(Left + (share * (Width - Left - Right)), 1);
    }

    public double Y(decimal value)
    {
        var (low, high) = Scale;
        var share = (double)((value - low) / (high - low));
        return Math.Round(Height - Bottom - (share * (Height - Top - Bottom)), 1);
    }

    /// <summary>The polyline's <c>points</c>: <c>x,y x,y ...</c> in the view box.</summary>
    public string Points(VitalsLine line) => string.Join(" ", line.Readings.Select(r =>
        string.Create(CultureInfo.InvariantCulture, $"{X(r.At)},{Y(r.Value)}")));

    public IReadOnlyList<decimal> ValueTicks
    {
        get
        {
            var (low, high) = Scale;
            var step = Step(low, high);
            var ticks = new List<decimal>();
            for (var tick = Math.Ceiling(low / step) * step; tick <= high; tick += step)
            {
                ticks.Add(tick);
            }

            return ticks;
        }
    }

    public IReadOnlyList<DateTimeOffset> DateTicks
    {
        get
        {
            var (first, last) = Period;
            if (first == last)
            {
                return [first];
            }

            const int count = 5;
            return Enumerable.Range(0, count).Select(i => first + ((last - first) * i / (count - 1))).ToList();
        }
    }

    public static string DateLabel(DateTimeOffset at) => at.ToString("d MMM yyyy", CultureInfo.InvariantCulture);

    private IEnumerable<VitalsReading> All => Lines.SelectMany(line => line.Readings);

    private (DateTimeOffset First, DateTimeOffset Last) Period => _period ??=
        IsEmpty ? (DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch) : (All.Min(r => r.At), All.Max(r => r.At));

    /// <summary>The value range drawn: the readings' range widened to round steps, never empty.</summary>
    private (decimal Low, decimal High) Scale => _scale ??= ScaleOf(IsEmpty ? (0m, 1m) : (All.Min(r => r.Value), All.Max(r => r.Value)));

    private (DateTimeOffset, DateTimeOffset)? _period;
    private (decimal, decimal)? _scale;

    private static (decimal Low, decimal High) ScaleOf((decimal Min, decimal Max) measured)
    {
        var (min, max) = measured.Max - measured.Min < 1 ? (measured.Min - 1, measured.Max + 1) : measured;
        var step = Step(min, max);
        return (Math.Floor(min / step) * step, Math.Ceiling(max / step) * step);
    }

    /// <summary>A round step (1, 2 or 5 times a power of ten) giving about four intervals.</summary>
    private static decimal Step(decimal low, decimal high)
    {
        var rough = (double)(high - low) / 4;
        var power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var step = (rough / power) switch
        {
            < 1.5 => 1,
            < 3.5 => 2,
            < 7.5 => 5,
            _ => 10,
        } * power;
        return (decimal)step;
    }
}
