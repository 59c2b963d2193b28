using SeSPHR.Contracts;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Portal.Records;

/// <summary>One section of a record as shown to a grantee: opened with its tables, or not shared with them.</summary>
public sealed record SharedSection(PhrSection Section, bool Shared, IReadOnlyList<RecordTable> Tables)
{
    public string Title => SharedSections.TitleOf(Section);
}

/// <summary>The sections in the words of the pages, and the order each role reads them in.</summary>
public static class SharedSections
{
    /// <summary>Every role a patient can share with; the pages of <c>/Patients</c> are theirs.</summary>
    public const string GranteeRoles = $"{SrsRoles.Practitioner},{SrsRoles.Pharmacist},{SrsRoles.Insurer},{SrsRoles.RelatedPerson},{SrsRoles.Researcher}";

    public static string TitleOf(PhrSection section) => section switch
    {
        PhrSection.Personal => "Personal details",
        PhrSection.Vitals => "Vital signs",
        PhrSection.Medical => "Medical history",
        PhrSection.Prescriptions => "Medications and prescriptions",
        PhrSection.Insurance => "Insurance: coverage, claims, explanations of benefit",
        _ => section.ToCode(),
    };

    /// <summary>
    /// What a role looks at first: a doctor the vitals and medical history, a pharmacist the
    /// prescriptions, an insurer the coverage and claims; anyone else the record in its own order.
    /// </summary>
    public static IReadOnlyList<PhrSection> OrderFor(string role) => role switch
    {
        SrsRoles.Practitioner => [PhrSection.Vitals, PhrSection.Medical, PhrSection.Prescriptions, PhrSection.Personal, PhrSection.Insurance],
        SrsRoles.Pharmacist => [PhrSection.Prescriptions, PhrSection.Personal, PhrSection.Medical, PhrSection.Vitals, PhrSection.Insurance],
        SrsRoles.Insurer => [PhrSection.Insurance, PhrSection.Personal, PhrSection.Medical, PhrSection.Prescriptions, PhrSection.Vitals],
        _ => [PhrSection.Personal, PhrSection.Vitals, PhrSection.Medical, PhrSection.Prescriptions, PhrSection.Insurance],
    };

    /// <summary>The tables of a shared section, all entries of the page the server sends.</summary>
    public static async Task<IReadOnlyList<RecordTable>> TablesOfAsync(PhrSection section, RecordTables tables)
    {
        const int All = int.MaxValue;
        return section switch
        {
            PhrSection.Medical => [await tables.ConditionsAsync(All)],
            PhrSection.Prescriptions => [await tables.PrescriptionsAsync(All), await tables.MedicationStatementsAsync(All)],
            PhrSection.Insurance => [await tables.CoverageAsync(All), await tables.ClaimsAsync(All), await tables.ExplanationsOfBenefitAsync(All)],
            _ => [],
        };
    }
}
