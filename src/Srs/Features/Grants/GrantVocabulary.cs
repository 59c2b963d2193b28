using System.Globalization;
using System.Text.RegularExpressions;

namespace SeSPHR.Srs.Features.Grants;

/// <summary>
/// The codes and identifier forms the grant API accepts. Section codes are the PHR's five sections
/// (<c>SeSPHR.Phr.Sections.PhrSectionCodes</c>); the SRS does not reference the FHIR-aware Phr
/// library, so they are repeated here and a new section needs adding in both places.
/// </summary>
public static partial class GrantVocabulary
{
    public static IReadOnlySet<string> Sections { get; } =
        new HashSet<string>(["personal", "medical", "vitals", "prescriptions", "insurance"], StringComparer.Ordinal);

    public static IReadOnlySet<string> Actions { get; } = new HashSet<string>(["read", "write"], StringComparer.Ordinal);

    /// <summary><c>Consent/{id}</c> or the bare FHIR id, as <c>Consent/{id}</c>; null when neither.</summary>
    public static string? NormalizeConsentId(string? value)
    {
        if (value is null)
            return null;
        var id = value.StartsWith("Consent/", StringComparison.Ordinal) ? value["Consent/".Length..] : value;
        return FhirId().IsMatch(id) ? "Consent/" + id : null;
    }

    /// <summary>A relative reference to a user resource (<c>Patient/p1</c>, <c>Practitioner/doc</c>, …).</summary>
    public static bool IsUserReference(string? value) => value is not null && UserReference().IsMatch(value);

    public static bool IsPatientReference(string? value) => value is not null && value.StartsWith("Patient/", StringComparison.Ordinal) && UserReference().IsMatch(value);

    public static bool IsBase64(string? value, int minBytes, int maxBytes)
    {
        if (value is null || value.Length > ((maxBytes + 2) / 3 * 4))
            return false;
        var buffer = new byte[(value.Length / 4 * 3) + 3];
        return Convert.TryFromBase64String(value, buffer, out var written) && written >= minBytes && written <= maxBytes;
    }

    public static bool IsInstant(string? value) => value is null || TryParseInstant(value, out _);

    public static bool TryParseInstant(string value, out DateTimeOffset instant) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out instant)
        && value.Contains('T', StringComparison.Ordinal);

    public static DateTimeOffset? ParseInstant(string? value) =>
        value is null ? null : TryParseInstant(value, out var instant) ? instant : throw new FormatException("Not an instant.");

    [GeneratedRegex("^[A-Za-z0-9\\-.]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex FhirId();

    [GeneratedRegex("^(Patient|Practitioner|PractitionerRole|RelatedPerson|Organization)/[A-Za-z0-9\\-.]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex UserReference();
}
