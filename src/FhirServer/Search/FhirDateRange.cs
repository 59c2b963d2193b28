using System.Globalization;
using System.Text.RegularExpressions;

namespace SeSPHR.FhirServer.Search;

/// <summary>
/// A FHIR date, dateTime or instant as the range of instants it covers, with an exclusive upper
/// bound: "2020" is [2020-01-01, 2021-01-01), "2020-03-04T10:00Z" is [10:00:00, 10:00:01).
/// A value without a time zone is taken as UTC (FHIR leaves the zone of a bare date unspecified).
/// Every bound is clamped to the instants a <see cref="DateTime"/> (and so PostgreSQL) holds:
/// "9999" ends at <see cref="Latest"/>, "0001-01-01T00:00+14:00" starts at <see cref="Beginning"/>,
/// so a value at either end of the calendar is a range like any other, never an overflow.
/// </summary>
public readonly partial record struct FhirDateRange(DateTime Low, DateTime High)
{
    /// <summary>Stands for "no end" (an open Period); far enough and still an ordinary timestamp.</summary>
    public static readonly DateTime Unbounded = new(9999, 12, 31, 0, 0, 0, DateTimeKind.Utc);

    public static readonly DateTime Beginning = new(1, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The last instant there is; the exclusive end of anything in the last second of 9999.</summary>
    public static readonly DateTime Latest = new(DateTime.MaxValue.Ticks, DateTimeKind.Utc);

    /// <summary>Fractions beyond a tick (100 ns) are read and dropped; FHIR sets no limit on their digits.</summary>
    private const int TickDigits = 7;

    public static bool TryParse(string? text, out FhirDateRange range)
    {
        range = default;
        var match = text is null ? null : FhirDate().Match(text.Trim());
        if (match is not { Success: true } || !TryStart(match, out var start, out var precision))
        {
            return false;
        }

        var offset = Offset(match.Groups["zone"].Value);
        if (offset is null)
        {
            return false;
        }

        range = new(Shifted(start.Ticks, offset.Value), Shifted(End(start, precision), offset.Value));
        return true;
    }

    private enum Precision
    {
        Year,
        Month,
        Day,
        Minute,
        Second,
        Millisecond,
    }

    /// <summary>The first instant the literal names, in its own zone, and how much it leaves open.</summary>
    private static bool TryStart(Match match, out DateTime start, out Precision precision)
    {
        start = default;
        precision = Precision.Year;
        var year = Number(match, "year") ?? 0;
        var month = Number(match, "month") ?? 1;
        var day = Number(match, "day") ?? 1;
        var hour = Number(match, "hour") ?? 0;
        var minute = Number(match, "minute") ?? 0;
        var second = Number(match, "second") ?? 0;
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var fraction = match.Groups["fraction"].Value;
        var ticks = fraction.Length == 0 ? 0 : long.Parse(fraction.PadRight(TickDigits, '0')[..TickDigits], CultureInfo.InvariantCulture);
        start = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).AddTicks(ticks);
        precision = (match.Groups["month"].Success, match.Groups["day"].Success, match.Groups["hour"].Success, match.Groups["second"].Success, fraction.Length > 0) switch
        {
            (_, _, _, _, true) => Precision.Millisecond,
            (_, _, _, true, _) => Precision.Second,
            (_, _, true, _, _) => Precision.Minute,
            (_, true, _, _, _) => Precision.Day,
            (true, _, _, _, _) => Precision.Month,
            _ => Precision.Year,
        };
        return true;
    }

    /// <summary>The exclusive end of the period <paramref name="start"/> opens, in ticks of its own zone (may pass the calendar's end).</summary>
    private static long End(DateTime start, Precision precision) => precision switch
    {
        Precision.Year => start.Year < 9999 ? new DateTime(start.Year + 1, 1, 1).Ticks : Latest.Ticks,
        Precision.Month when start.Month < 12 => new DateTime(start.Year, start.Month + 1, 1).Ticks,
        Precision.Month => start.Year < 9999 ? new DateTime(start.Year + 1, 1, 1).Ticks : Latest.Ticks,
        Precision.Day => start.Ticks + TimeSpan.TicksPerDay,
        Precision.Minute => start.Ticks + TimeSpan.TicksPerMinute,
        Precision.Second => start.Ticks + TimeSpan.TicksPerSecond,
        _ => start.Ticks + TimeSpan.TicksPerMillisecond,
    };

    /// <summary>Local ticks moved to UTC and held inside the calendar.</summary>
    private static DateTime Shifted(long localTicks, TimeSpan offset) =>
        new(Math.Clamp(localTicks - offset.Ticks, Beginning.Ticks, Latest.Ticks), DateTimeKind.Utc);

    /// <summary>The zone's offset (none is UTC); null when it is not one FHIR allows (±14:00 at most).</summary>
    private static TimeSpan? Offset(string zone)
    {
        if (zone is "" or "Z")
        {
            return TimeSpan.Zero;
        }

        var hours = int.Parse(zone.AsSpan(1, 2), CultureInfo.InvariantCulture);
        var minutes = int.Parse(zone.AsSpan(4, 2), CultureInfo.InvariantCulture);
        if (minutes > 59 || hours * 60 + minutes > 14 * 60)
        {
            return null;
        }

        var offset = new TimeSpan(hours, minutes, 0);
        return zone[0] == '-' ? -offset : offset;
    }

    private static int? Number(Match match, string group) =>
        match.Groups[group] is { Success: true } found ? int.Parse(found.ValueSpan, CultureInfo.InvariantCulture) : null;

    /// <summary>
    /// date, dateTime and instant of datatypes.html, plus the minute precision search.html allows
    /// (<c>2020-03-04T10:00</c>); a time needs a day, a second a minute.
    /// </summary>
    [GeneratedRegex(
        @"^(?<year>[0-9]{4})(-(?<month>[0-9]{2})(-(?<day>[0-9]{2})(T(?<hour>[0-9]{2}):(?<minute>[0-9]{2})(:(?<second>[0-9]{2})(\.(?<fraction>[0-9]{1,64}))?)?(?<zone>Z|[+-][0-9]{2}:[0-9]{2})?)?)?)?$",
        RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex FhirDate();
}
