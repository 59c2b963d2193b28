using System.Globalization;
using System.Text.RegularExpressions;

namespace SeSPHR.Portal.Times;

/// <summary>
/// The time zone the reader's browser named (an IANA name, in the cookie <c>wwwroot/js/time-zone.js</c>
/// sets), in which pages show times and the forms read them; UTC when the browser named none (no
/// JavaScript yet) or one this machine does not know. The cookie is not secret and changes no access:
/// a forged one only shifts how times are written, and every time shown names its zone.
/// </summary>
public sealed partial class ReaderTimeZone
{
    public const string CookieName = "sesphr.tz";

    public ReaderTimeZone(IHttpContextAccessor http)
    {
        ArgumentNullException.ThrowIfNull(http);
        Zone = Known(http.HttpContext?.Request.Cookies[CookieName]) ?? TimeZoneInfo.Utc;
    }

    public TimeZoneInfo Zone { get; }

    /// <summary>The zone's name as pages show it next to times: the IANA name, or UTC for a zone that is UTC all year.</summary>
    public string Label => Zone.BaseUtcOffset == TimeSpan.Zero && !Zone.SupportsDaylightSavingTime ? "UTC" : Zone.Id;

    public DateTimeOffset ToLocal(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, Zone);

    /// <summary><paramref name="at"/> in the reader's zone, written with <paramref name="pattern"/> (the zone is labelled by the caller).</summary>
    public string Format(DateTimeOffset at, string pattern = "yyyy-MM-dd HH:mm") => ToLocal(at).ToString(pattern, CultureInfo.InvariantCulture);

    /// <summary><paramref name="at"/> in the reader's zone with the zone's name after it.</summary>
    public string Labelled(DateTimeOffset at, string pattern = "yyyy-MM-dd HH:mm") => $"{Format(at, pattern)} ({Label})";

    /// <summary>Whether a wall-clock time exists in the reader's zone (not skipped when the clocks moved forward).</summary>
    public bool Exists(DateTime wallClock) => !Zone.IsInvalidTime(DateTime.SpecifyKind(wallClock, DateTimeKind.Unspecified));

    /// <summary>The instant a wall-clock time in the reader's zone names; an hour the clocks passed twice is taken as the first (daylight) one.</summary>
    public DateTimeOffset FromWallClock(DateTime wallClock)
    {
        var local = DateTime.SpecifyKind(wallClock, DateTimeKind.Unspecified);
        var offset = Zone.IsAmbiguousTime(local) ? Zone.GetAmbiguousTimeOffsets(local).Max() : Zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset);
    }

    /// <summary>The reader's current wall-clock time, to the minute.</summary>
    public DateTime Now(TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        var now = ToLocal(clock.GetUtcNow()).DateTime;
        return new DateTime(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, DateTimeKind.Unspecified);
    }

    public DateOnly Today(TimeProvider clock) => DateOnly.FromDateTime(Now(clock));

    /// <summary>The instant <paramref name="day"/> ends in the reader's zone (the next day's first moment).</summary>
    public DateTimeOffset EndOf(DateOnly day)
    {
        var midnight = day.AddDays(1).ToDateTime(TimeOnly.MinValue);
        // A zone whose clocks skip midnight starts that day a little later.
        while (!Exists(midnight))
        {
            midnight = midnight.AddMinutes(15);
        }

        return FromWallClock(midnight);
    }

    private static TimeZoneInfo? Known(string? name) =>
        name is { Length: <= 64 } && IanaName().IsMatch(name) && TimeZoneInfo.TryFindSystemTimeZoneById(name, out var zone) ? zone : null;

    /// <summary>The shape of IANA names (<c>Europe/Berlin</c>, <c>America/Argentina/Buenos_Aires</c>, <c>Etc/GMT+5</c>); no dots, so no path.</summary>
    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$")]
    private static partial Regex IanaName();
}
