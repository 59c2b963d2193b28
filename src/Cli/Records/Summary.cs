using Hl7.Fhir.Model;

namespace SeSPHR.Cli.Records;

/// <summary>One short line per resource for the table of <c>sesphr show</c>.</summary>
internal static class Summary
{
    public static string What(Resource resource) => resource switch
    {
        Patient p => string.Join(" ", p.Name.FirstOrDefault() is { } n ? n.Given.Append(n.Family) : []) + (p.BirthDate is { } b ? $", born {b}" : ""),
        Observation o => $"{Text(o.Code)}: {Value(o.Value)}",
        Condition c => Text(c.Code),
        Procedure p => Text(p.Code),
        MedicationRequest m => m.Medication is CodeableConcept medication ? Text(medication) : "medication request",
        Immunization i => Text(i.VaccineCode),
        Encounter e => e.Type.Count > 0 ? Text(e.Type[0]) : "encounter",
        DiagnosticReport d => Text(d.Code),
        AllergyIntolerance a => Text(a.Code),
        Coverage c => c.SubscriberId ?? "coverage",
        _ => "",
    };

    public static string When(Resource resource) => resource switch
    {
        Observation o => Date(o.Effective),
        Condition c => Date(c.Onset) is { Length: > 0 } onset ? onset : c.RecordedDate ?? "",
        Procedure p => Date(p.Performed),
        Immunization i => Date(i.Occurrence),
        Encounter e => e.Period?.Start ?? "",
        MedicationRequest m => m.AuthoredOn ?? "",
        DiagnosticReport d => Date(d.Effective),
        _ => "",
    };

    private static string Text(CodeableConcept? concept) => concept?.Text ?? concept?.Coding.FirstOrDefault()?.Display ?? concept?.Coding.FirstOrDefault()?.Code ?? "";

    private static string Value(DataType? value) => value switch
    {
        Quantity q => $"{q.Value} {q.Unit ?? q.Code}",
        CodeableConcept c => Text(c),
        FhirString s => s.Value ?? "",
        null => "",
        _ => value.TypeName,
    };

    private static string Date(DataType? value) => value switch
    {
        FhirDateTime d => d.Value ?? "",
        Period p => p.Start ?? "",
        _ => "",
    };
}
