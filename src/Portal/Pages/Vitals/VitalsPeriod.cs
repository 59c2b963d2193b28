using System.Globalization;

namespace SeSPHR.Portal.Pages.Vitals;

/// <summary>
/// How far back the vitals page reaches, as the reader chooses it. The FhirServer filters by the
/// Observations' clinical date, which the section policy keeps in clear and binds to the envelope's
/// signature, so only the readings shown are fetched and opened.
/// </summary>
public sealed class VitalsPeriod
{
    private VitalsPeriod(string code, string label, string description, int? days)
    {
        Code = code;
        Label = label;
        Description = description;
        Days = days;
    }

    /// <summary>Its value in the page's <c>period</c> query parameter.</summary>
    public string Code { get; }

    /// <summary>Its name in the period list (<c>Last 90 days</c>).</summary>
    public string Label { get; }

    /// <summary>Its name in a sentence (<c>the last 90 days</c>).</summary>
    public string Description { get; }

    private int? Days { get; }

    /// <summary>A quarter shows a trend without opening a year of readings on every visit.</summary>
    public static VitalsPeriod Default { get; } = new("90d", "Last 90 days", "the last 90 days", 90);

    public static IReadOnlyList<VitalsPeriod> All { get; } =
    [
        new("30d", "Last 30 days", "the last 30 days", 30),
        Default,
        new("1y", "Last year", "the last year", 365),
        new("all", "All readings", "all readings", null),
    ];

    /// <summary>The period a <c>period</c> parameter names: the default when none is given, null for a code the page does not offer.</summary>
    public static VitalsPeriod? FromCode(string? code) =>
        code is null ? Default : All.FirstOrDefault(period => period.Code == code);

    /// <summary>The earliest clinical date shown, at <paramref name="now"/>; null for all readings.</summary>
    public DateTimeOffset? Since(DateTimeOffset now) => Days is { } days ? now.ToUniversalTime().AddDays(-days) : null;

    /// <summary>The FhirServer's search criterion for <see cref="Since"/>, or null for all readings.</summary>
    public string? DateCriterion(DateTimeOffset now) =>
        Since(now) is { } since ? "date=ge" + since.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : null;
}
