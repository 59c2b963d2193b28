using Hl7.Fhir.Model;

namespace SeSPHR.FhirServer.Features.Access.Consents;

/// <summary>
/// Checks a Consent a patient writes against what the evaluator enforces, so that a patient learns
/// at write time, not from a refused read, that part of their Consent means nothing here. An empty
/// list means every element is enforced as written. It checks SeSPHR's reading only; the R4 base
/// definition is <c>$validate</c>'s job.
/// </summary>
public static class ConsentValidator
{
    /// <param name="consent">The Consent as the patient sent it.</param>
    /// <param name="patient">The patient writing it (<c>Patient/id</c>), when known: the Consent must be theirs.</param>
    public static IReadOnlyList<ConsentProblem> Validate(Consent consent, string? patient = null)
    {
        ArgumentNullException.ThrowIfNull(consent);
        var problems = new Problems();
        if (consent.Status is null)
        {
            problems.Add("Consent.status", "missing; active makes the Consent apply");
        }

        if (!ConsentCompiler.IsPatientPrivacy(consent))
        {
            problems.Add("Consent.scope", $"must be {ConsentCodings.PatientPrivacy} of {ConsentCodings.ScopeSystem}; another scope is no access rule and is ignored");
        }

        var subject = FhirReference.Normalize(consent.Patient?.Reference);
        if (subject is null || FhirReference.TypeOf(subject) != "Patient")
        {
            problems.Add("Consent.patient", "must be a relative reference Patient/id");
        }
        else if (patient is not null && subject != FhirReference.Normalize(patient))
        {
            problems.Add("Consent.patient", "a patient writes Consents about their own record only");
        }

        if (consent.Provision is null)
        {
            problems.Add("Consent.provision", "missing: the Consent would permit and deny nothing");
        }
        else
        {
            ConsentCompiler.CompileApplicable(consent, problems);
        }

        return problems.All;
    }
}
