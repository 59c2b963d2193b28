using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Search;

namespace SeSPHR.FhirServer.Features.Access.Consents;

/// <summary>
/// FHIR dateTime values as the instants they cover. A value covers its whole precision: a period
/// ending <c>2026-03-31</c> includes all of that day, one starting <c>2026-03</c> starts with the
/// month. A value without an offset is read in UTC: the server cannot know the patient's zone.
/// The range is the one search uses (<see cref="FhirDateRange"/>), clamped to the calendar.
/// </summary>
internal static class FhirTime
{
    /// <summary>The UTC ticks covered by <paramref name="value"/>: [from, until).</summary>
    public static bool TryRange(string? value, out long from, out long until)
    {
        from = long.MinValue;
        until = long.MaxValue;
        if (!FhirDateRange.TryParse(value, out var range))
        {
            return false;
        }

        from = range.Low.Ticks;
        until = range.High.Ticks;
        return true;
    }

    /// <summary>
    /// A period as [from, until) in UTC ticks; a missing bound is open. False when a bound is not a
    /// valid dateTime or the period ends before it starts.
    /// </summary>
    public static bool TryPeriod(Period period, out long from, out long until)
    {
        from = long.MinValue;
        until = long.MaxValue;
        if (period.Start is { } start)
        {
            if (!TryRange(start, out from, out _))
            {
                return false;
            }
        }

        if (period.End is { } end)
        {
            if (!TryRange(end, out _, out until))
            {
                return false;
            }
        }

        return until > from;
    }

    public static DateTimeOffset? ToInstant(long ticks) =>
        ticks is long.MinValue or long.MaxValue ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
}
