using System.Globalization;

namespace SeSPHR.FhirServer.Search;

/// <summary>
/// A FHIR date, dateTime or instant as the range of instants it covers, with an exclusive upper
/// bound: "2020" is [2020-01-01, 2021-01-01), "2020-03-04T10:00Z" is [10:00:00, 10:00:01).
/// A value without a time zone is taken as UTC (FHIR leaves the zone of a bare date unspecified).
/// </summary>
public readonly record struct FhirDateRange(DateTime Low, DateTime High)
{
    /// <summary>Stands for "no end" (an open Period); far enough and still an ordinary timestamp.</summary>
    public static readonly DateTime Unbounded = new(9999, 12, 31, 0, 0, 0, DateTimeKind.Utc);

    public static readonly DateTime Beginning = new(1, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static bool TryParse(string? text, out FhirDateRange range)
    {
        range = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        var styles = DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal;
        switch (text.Length)
        {
            case 4 when DateTime.TryParseExact(text, "yyyy", CultureInfo.InvariantCulture, styles, out var year):
                range = new(year, year.AddYears(1));
                return true;
            case 7 when DateTime.TryParseExact(text, "yyyy-MM", CultureInfo.InvariantCulture, styles, out var month):
                range = new(month, month.AddMonths(1));
                return true;
            case 10 when DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, styles, out var day):
                range = new(day, day.AddDays(1));
                return true;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
        {
            return false;
        }

        var utc = instant.UtcDateTime;
        var timePart = text.Contains('T', StringComparison.Ordinal) ? text[(text.IndexOf('T', StringComparison.Ordinal) + 1)..] : "";
        var precision = timePart.Length switch
        {
            _ when timePart.Contains('.', StringComparison.Ordinal) => TimeSpan.FromMilliseconds(1),
            _ when timePart.Count(c => c == ':') >= 2 || (timePart.Length >= 8 && timePart[5] == ':') => TimeSpan.FromSeconds(1),
            _ => TimeSpan.FromMinutes(1),
        };
        range = new(utc, utc + precision);
        return true;
    }
}
