using Hl7.Fhir.Model;

namespace SeSPHR.FhirServer.Features.Access.Consents;

/// <summary>
/// One patient's Consents read once into rules, so that each caller is decided in a walk over small
/// trees and a handful of bit operations. Only active <c>patient-privacy</c> Consents of this patient
/// with a provision count; any other Consent handed in is ignored, so a Consent of another patient can
/// never grant or take away anything here.
/// </summary>
public sealed class PatientConsents
{
    private readonly ConsentRule[] _rules;

    private PatientConsents(string patient, ConsentRule[] rules)
    {
        Patient = patient;
        _rules = rules;
    }

    /// <summary>The patient, as <c>Patient/id</c>.</summary>
    public string Patient { get; }

    /// <summary>How many of the Consents handed in apply: active, patient-privacy, this patient's.</summary>
    public int ApplicableCount => _rules.Length;

    /// <param name="patient">The patient whose record is accessed, <c>Patient/id</c>.</param>
    /// <param name="consents">The patient's Consents; others are ignored.</param>
    public static PatientConsents Compile(string patient, IEnumerable<Consent> consents)
    {
        ArgumentNullException.ThrowIfNull(consents);
        var normalized = FhirReference.Normalize(patient);
        if (normalized is null || FhirReference.TypeOf(normalized) != "Patient")
        {
            throw new ArgumentException($"'{patient}' is not a reference Patient/id.", nameof(patient));
        }

        var rules = new List<ConsentRule>();
        foreach (var consent in consents)
        {
            if (consent is not null && ConsentCompiler.Compile(consent, normalized) is { } rule)
            {
                rules.Add(rule);
            }
        }

        return new PatientConsents(normalized, [.. rules]);
    }

    /// <summary>
    /// Everything <paramref name="caller"/> may do in this record at <paramref name="at"/>: the patient
    /// everything; anyone else what an applicable Consent permits and none denies.
    /// </summary>
    public CallerAccess AccessFor(Caller caller, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.IsPatient(Patient))
        {
            return CallerAccess.OwnRecord(Patient);
        }

        var exclusions = new Exclusions();
        var (permitted, _) = Evaluate(Subject.Of(caller), at.UtcTicks, exclusions);
        return new CallerAccess(Patient, permitted, exclusions);
    }

    /// <summary>Deny overrides permit across all Consents: a cell is permitted when some Consent permits it and none denies it.</summary>
    internal (ulong Permitted, ulong Denied) Evaluate(in Subject subject, long at, Exclusions exclusions)
    {
        ulong permit = 0, deny = 0;
        foreach (var rule in _rules)
        {
            var (p, d) = rule.Evaluate(subject, at, exclusions);
            permit |= p;
            deny |= d;
        }

        return (permit & ~deny, deny);
    }
}
