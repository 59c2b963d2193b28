using System.Globalization;

namespace SeSPHR.Contracts;

/// <summary>
/// Instants the SRS reads as strings (so that a malformed one is a 400 naming the field) are written
/// exactly as System.Text.Json writes a <see cref="DateTimeOffset"/>: ISO 8601, fraction only when
/// there is one, with the offset.
/// </summary>
public static class WireInstant
{
    public static string Format(DateTimeOffset instant) =>
        instant.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);

    public static string? Format(DateTimeOffset? instant) => instant is { } value ? Format(value) : null;
}
