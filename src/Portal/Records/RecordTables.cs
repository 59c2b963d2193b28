using System.Globalization;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using SeSPHR.Client.Fhir;
using SeSPHR.Portal.Times;

namespace SeSPHR.Portal.Records;

/// <summary>
/// One kind of entry of a record as a table: a caption, header cells, the newest rows, how many the
/// server holds for this reader, and how many came back still sealed (they are counted, never shown).
/// </summary>
public sealed record RecordTable(string Caption, IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows, int Total, int StillSealed);

/// <summary>
/// Reads the entries of one patient's record through an SDK FhirClient (the patient's own, or a
/// grantee's) and lays them out as <see cref="RecordTable"/>s: conditions, prescriptions and
/// medication statements, coverage, claims and explanations of benefit. A person reads the day of
/// each entry: a FHIR date as written, a date-time's day in the reader's time zone.
/// </summary>
public sealed class RecordTables(FhirClient fhir, string patientFhirUser, ReaderTimeZone zone)
{
    /// <summary>One page of each kind is enough for a summary and for a person reading the record.</summary>
    private const int PageSize = 100;

    public Task<RecordTable> ConditionsAsync(int newest) => TableAsync<Condition>(
        "Conditions", ["Condition", "Clinical status", "Since"], newest,
        c => [Text(c.Code), c.ClinicalStatus?.Coding.FirstOrDefault()?.Code ?? "", Day(When(c))], When);

    public Task<RecordTable> PrescriptionsAsync(int newest) => TableAsync<MedicationRequest>(
        "Prescriptions (medication requests)", ["Medication", "Status", "Prescribed", "Dosage"], newest,
        m => [Medication(m.Medication), Code(m.StatusElement), Day(m.AuthoredOn), m.DosageInstruction.FirstOrDefault()?.Text ?? ""],
        m => m.AuthoredOn ?? "");

    public Task<RecordTable> MedicationStatementsAsync(int newest) => TableAsync<MedicationStatement>(
        "Medications taken (statements)", ["Medication", "Status", "Taken"], newest,
        m => [Medication(m.Medication), Code(m.StatusElement), Day(Date(m.Effective))], m => Date(m.Effective));

    public Task<RecordTable> CoverageAsync(int newest) => TableAsync<Coverage>(
        "Coverage", ["Plan", "Payor", "Subscriber id", "Period", "Status"], newest,
        c => [Text(c.Type) is { Length: > 0 } type ? type : "Coverage", string.Join(", ", c.Payor.Select(Reference)), c.SubscriberId ?? "", Period(c.Period), Code(c.StatusElement)],
        c => c.Period?.Start ?? "");

    public Task<RecordTable> ClaimsAsync(int newest) => TableAsync<Claim>(
        "Claims", ["Type", "Created", "Total", "Status"], newest,
        c => [Text(c.Type), Day(c.Created), Money(c.Total), Code(c.StatusElement)], c => c.Created ?? "");

    public Task<RecordTable> ExplanationsOfBenefitAsync(int newest) => TableAsync<ExplanationOfBenefit>(
        "Explanations of benefit", ["Type", "Created", "Outcome", "Paid"], newest,
        e => [Text(e.Type), Day(e.Created), Code(e.OutcomeElement), Money(e.Payment?.Amount)], e => e.Created ?? "");

    private async Task<RecordTable> TableAsync<T>(string caption, string[] headers, int newest, Func<T, string[]> row, Func<T, string> when)
        where T : Resource, new()
    {
        var bundle = await fhir.SearchAsync<T>(["patient=" + patientFhirUser], pageSize: PageSize);
        var found = bundle?.Entry.Select(e => e.Resource).OfType<T>().ToList() ?? [];
        var opened = found.Where(r => r.SealedSections().Count == 0).ToList();
        var rows = opened.OrderByDescending(when, StringComparer.Ordinal).Take(newest).Select(r => (IReadOnlyList<string>)row(r)).ToList();
        return new RecordTable(caption, headers, rows, bundle?.Total ?? found.Count, found.Count - opened.Count);
    }

    private static string Text(CodeableConcept? concept) =>
        concept?.Text ?? concept?.Coding.FirstOrDefault()?.Display ?? concept?.Coding.FirstOrDefault()?.Code ?? "";

    private static string Medication(DataType? medication) => medication switch
    {
        CodeableConcept concept => Text(concept),
        ResourceReference reference => Reference(reference),
        _ => "",
    };

    private static string Reference(ResourceReference reference) => reference.Display ?? reference.Reference ?? "";

    private static string Code(PrimitiveType? code) => code?.ToString() ?? "";

    private static string When(Condition condition) => Date(condition.Onset) is { Length: > 0 } onset ? onset : condition.RecordedDate ?? "";

    private static string Date(DataType? value) => value switch
    {
        FhirDateTime date => date.Value ?? "",
        Period period => period.Start ?? "",
        FhirString text => text.Value ?? "",
        _ => "",
    };

    private string Period(Period? period) => period is null ? "" : $"{Open(Day(period.Start))} – {Open(Day(period.End))}";

    private static string Open(string day) => day.Length > 0 ? day : "…";

    /// <summary>
    /// The day of a FHIR date or date-time: a date as it is; a date-time (<c>2024-03-02T23:30:00-05:00</c>)
    /// on the reader's calendar (<c>2024-03-03</c> in Berlin), the zone's name on the page.
    /// </summary>
    private string Day(string? value) =>
        value is { Length: > 10 } && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? zone.Format(at, "yyyy-MM-dd")
            : value is { Length: > 10 } ? value[..10] : value ?? "";

    private static string Money(Money? money) =>
        money?.Value is { } value ? $"{value.ToString("0.00", CultureInfo.InvariantCulture)} {money.Currency}".TrimEnd() : "";
}
