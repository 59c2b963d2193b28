namespace SeSPHR.Phr.Sections;

/// <summary>
/// The parts of a personal health record a patient grants separately (DESIGN.md §4). Each
/// protected element of a resource belongs to exactly one section, and each section is encrypted
/// under its own per-epoch key, so a grant on one section never opens another.
/// </summary>
public enum PhrSection
{
    /// <summary>Patient demographics and related persons (the paper's "personal information").</summary>
    Personal,

    /// <summary>Conditions, allergies, procedures, reports, encounters, plans, non-vital observations.</summary>
    Medical,

    /// <summary>Observations in the <c>vital-signs</c> category.</summary>
    Vitals,

    /// <summary>Medication requests, statements and dispenses.</summary>
    Prescriptions,

    /// <summary>Coverage, claims, claim responses and explanations of benefit.</summary>
    Insurance,
}

/// <summary>
/// The wire codes of <see cref="PhrSection"/>: the strings that appear in Consent provisions,
/// envelope contexts and section payloads. They never change once issued.
/// </summary>
public static class PhrSectionCodes
{
    public const string Personal = "personal";
    public const string Medical = "medical";
    public const string Vitals = "vitals";
    public const string Prescriptions = "prescriptions";
    public const string Insurance = "insurance";

    /// <summary>All sections in their canonical order.</summary>
    public static IReadOnlyList<PhrSection> All { get; } =
        [PhrSection.Personal, PhrSection.Medical, PhrSection.Vitals, PhrSection.Prescriptions, PhrSection.Insurance];

    public static string ToCode(this PhrSection section) => section switch
    {
        PhrSection.Personal => Personal,
        PhrSection.Medical => Medical,
        PhrSection.Vitals => Vitals,
        PhrSection.Prescriptions => Prescriptions,
        PhrSection.Insurance => Insurance,
        _ => throw new ArgumentOutOfRangeException(nameof(section), section, "Unknown section."),
    };

    /// <summary>Parses a wire code; codes are case-sensitive, as FHIR codes are.</summary>
    public static bool TryParse(string? code, out PhrSection section)
    {
        switch (code)
        {
            case Personal: section = PhrSection.Personal; return true;
            case Medical: section = PhrSection.Medical; return true;
            case Vitals: section = PhrSection.Vitals; return true;
            case Prescriptions: section = PhrSection.Prescriptions; return true;
            case Insurance: section = PhrSection.Insurance; return true;
            default: section = default; return false;
        }
    }

    public static PhrSection Parse(string code) =>
        TryParse(code, out var section) ? section : throw new FormatException($"'{code}' is not a PHR section code.");
}
