using System.Collections.Frozen;
using Hl7.Fhir.Model;

namespace SeSPHR.Phr.Sections;

/// <summary>
/// Recognises vital-sign observations. An Observation is in the <c>vitals</c> section exactly
/// when one of its categories is the HL7 <c>vital-signs</c> code; its code may stay clear only
/// when every coding is one of the LOINC codes of the R4 vital-sign result value set, which name a
/// measurement (weight, blood pressure) but say nothing about its result.
/// </summary>
public static class VitalSigns
{
    public const string CategorySystem = "http://terminology.hl7.org/CodeSystem/observation-category";
    public const string CategoryCode = "vital-signs";
    public const string LoincSystem = "http://loinc.org";

    /// <summary>
    /// The LOINC codes of the R4 value set http://hl7.org/fhir/ValueSet/observation-vitalsignresult
    /// (FHIR R4 4.0.1, valuesets.xml): the vital-signs panel and its members.
    /// </summary>
    public static FrozenSet<string> LoincCodes { get; } = new[]
    {
        "85353-1", // Vital signs, weight, height, head circumference, oxygen saturation and BMI panel
        "9279-1",  // Respiratory rate
        "8867-4",  // Heart rate
        "2708-6",  // Oxygen saturation in arterial blood
        "8310-5",  // Body temperature
        "8302-2",  // Body height
        "9843-4",  // Head occipital-frontal circumference
        "29463-7", // Body weight
        "39156-5", // Body mass index
        "85354-9", // Blood pressure panel
        "8480-6",  // Systolic blood pressure
        "8462-4",  // Diastolic blood pressure
        "8478-0",  // Mean blood pressure
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>True when a category of the observation is <c>vital-signs</c> (with its HL7 system).</summary>
    public static bool IsVitalSignsObservation(Observation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        return observation.Category.Any(category => category.Coding.Any(coding =>
            coding.System == CategorySystem && coding.Code == CategoryCode));
    }

    /// <summary>True when the concept has codings and every one is a vital-sign LOINC code.</summary>
    public static bool IsVitalSignCode(CodeableConcept? code) =>
        code is { Coding.Count: > 0 }
        && code.Coding.All(coding => coding.System == LoincSystem && coding.Code is not null && LoincCodes.Contains(coding.Code));
}
