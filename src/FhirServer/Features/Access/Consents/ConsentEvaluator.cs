using Hl7.Fhir.Model;
using SeSPHR.Phr.Sections;

namespace SeSPHR.FhirServer.Features.Access.Consents;

/// <summary>
/// Consent as the access-control list (DESIGN.md §4): pure functions of the caller, the patients'
/// Consents and an instant, with no I/O. What holds: nobody but the patient reads or writes a section
/// of a record unless an active patient-privacy Consent of that patient permits it at that instant
/// (and, for a grantee named by reference, for the key the patient approved), and no applicable
/// Consent denies it; what a Consent says that the evaluator does not understand never widens access.
/// </summary>
public static class ConsentEvaluator
{
    /// <summary>One decision, from the Consents as they are stored (compile once with <see cref="PatientConsents"/> for more).</summary>
    public static ConsentDecision Decide(
        Caller caller,
        string patient,
        PhrSection section,
        AccessAction action,
        DateTimeOffset at,
        IEnumerable<Consent> consents) =>
        PatientConsents.Compile(patient, consents).AccessFor(caller, at).Decide(section, action);

    /// <summary>
    /// What <paramref name="caller"/> may read of each candidate patient's record, in the shape a
    /// search query filters on (<see cref="ReadableRecords"/>).
    /// </summary>
    public static ReadableRecords Readable(Caller caller, DateTimeOffset at, IEnumerable<PatientConsents> patients)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(patients);
        var builder = new ReadableRecords.Builder();
        foreach (var consents in patients)
        {
            builder.Add(consents.AccessFor(caller, at));
        }

        return builder.Build();
    }
}
