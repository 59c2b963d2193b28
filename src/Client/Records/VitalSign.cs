using Hl7.Fhir.Model;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Client.Records;

/// <summary>
/// The vital signs a person enters by hand, each with its LOINC code, UCUM unit and the range a
/// living person's measurement falls in: a value outside it is a typing error (or the wrong unit)
/// far more often than a reading, so every client refuses it rather than sealing it into the record.
/// One definition for every client (the CLI's <c>vitals add</c>, the portal's form and chart), so an
/// Observation written by one reads back the same in the other.
/// </summary>
public sealed record VitalSign(string Name, string Loinc, string Display, string Unit, string UnitDisplay, decimal Min, decimal Max)
{
    public const string Ucum = "http://unitsofmeasure.org";

    /// <summary>The LOINC panel a blood pressure is written as, with <see cref="Systolic"/> and <see cref="Diastolic"/> as components.</summary>
    public const string BloodPressurePanel = "85354-9";

    public static readonly VitalSign Pulse = new("pulse", "8867-4", "Heart rate", "/min", "beats/minute", 20, 250);
    public static readonly VitalSign Temperature = new("temperature", "8310-5", "Body temperature", "Cel", "°C", 30, 45);
    public static readonly VitalSign Weight = new("weight", "29463-7", "Body weight", "kg", "kg", 0.5m, 400);
    public static readonly VitalSign Systolic = new("systolic", "8480-6", "Systolic blood pressure", "mm[Hg]", "mmHg", 50, 260);
    public static readonly VitalSign Diastolic = new("diastolic", "8462-4", "Diastolic blood pressure", "mm[Hg]", "mmHg", 30, 160);

    /// <summary>Whether <paramref name="value"/> (in <see cref="Unit"/>) is a plausible measurement.</summary>
    public bool Allows(decimal value) => value >= Min && value <= Max;

    /// <summary>A final vital-signs Observation of this sign, under a fresh client-chosen id.</summary>
    /// <exception cref="ArgumentOutOfRangeException">the value is outside <see cref="Min"/>–<see cref="Max"/>.</exception>
    public Observation Observe(decimal value, ResourceReference subject, DateTimeOffset at)
    {
        var observation = NewObservation(subject, at);
        observation.Code = Concept();
        observation.Value = Quantity(Checked(value));
        return observation;
    }

    /// <summary>A blood pressure panel Observation with its systolic and diastolic components.</summary>
    /// <exception cref="ArgumentOutOfRangeException">a pressure is out of range, or the systolic is not above the diastolic.</exception>
    public static Observation ObserveBloodPressure(decimal systolic, decimal diastolic, ResourceReference subject, DateTimeOffset at)
    {
        if (systolic <= diastolic)
        {
            throw new ArgumentOutOfRangeException(nameof(systolic), "The systolic pressure must be above the diastolic.");
        }

        var observation = NewObservation(subject, at);
        observation.Code = new CodeableConcept(VitalSigns.LoincSystem, BloodPressurePanel, "Blood pressure panel with all children optional");
        observation.Component =
        [
            new Observation.ComponentComponent { Code = Systolic.Concept(), Value = Systolic.Quantity(Systolic.Checked(systolic)) },
            new Observation.ComponentComponent { Code = Diastolic.Concept(), Value = Diastolic.Quantity(Diastolic.Checked(diastolic)) },
        ];
        return observation;
    }

    /// <summary>
    /// This sign's value in <paramref name="observation"/>, as the Observation's own value or as one of
    /// its components (a blood pressure panel), when it is a quantity in this sign's UCUM unit; else null.
    /// </summary>
    public decimal? ValueIn(Observation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        var quantity = Names(observation.Code)
            ? observation.Value as Quantity
            : observation.Component.FirstOrDefault(c => Names(c.Code))?.Value as Quantity;
        return quantity is { Value: { } value } && (quantity.Code ?? quantity.Unit) == Unit ? value : null;
    }

    private bool Names(CodeableConcept? code) =>
        code?.Coding.Any(coding => coding.System == VitalSigns.LoincSystem && coding.Code == Loinc) == true;

    private decimal Checked(decimal value) => Allows(value)
        ? value
        : throw new ArgumentOutOfRangeException(nameof(value), $"A {Name} of {value} {UnitDisplay} is outside {Min}–{Max} {UnitDisplay}.");

    private CodeableConcept Concept() => new(VitalSigns.LoincSystem, Loinc, Display);

    private Quantity Quantity(decimal value) => new(value, Unit, Ucum) { Unit = UnitDisplay };

    private static Observation NewObservation(ResourceReference subject, DateTimeOffset at) => new()
    {
        Id = "vital-" + Guid.NewGuid().ToString("N"),
        Status = ObservationStatus.Final,
        Category = [new CodeableConcept(VitalSigns.CategorySystem, VitalSigns.CategoryCode, "Vital Signs")],
        Subject = subject,
        Effective = new FhirDateTime(at),
    };
}
