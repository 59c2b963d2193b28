using System.Globalization;
using Hl7.Fhir.Model;
using SeSPHR.Cli.Commands;

namespace SeSPHR.Cli.Records;

/// <summary>
/// The vital signs a person enters by hand, each with its LOINC code, UCUM unit and the range a
/// living adult's measurement falls in: a value outside it is a typing error far more often than a
/// reading, so it is refused rather than sealed into the record.
/// </summary>
internal sealed record VitalSign(string Name, string Loinc, string Display, string Unit, string UnitDisplay, decimal Min, decimal Max)
{
    public const string Loinc_ = "http://loinc.org";
    public const string Ucum = "http://unitsofmeasure.org";

    public static readonly VitalSign Pulse = new("pulse", "8867-4", "Heart rate", "/min", "beats/minute", 20, 250);
    public static readonly VitalSign Temperature = new("temperature", "8310-5", "Body temperature", "Cel", "°C", 30, 45);
    public static readonly VitalSign Weight = new("weight", "29463-7", "Body weight", "kg", "kg", 0.5m, 500);
    public static readonly VitalSign Systolic = new("systolic", "8480-6", "Systolic blood pressure", "mm[Hg]", "mmHg", 50, 260);
    public static readonly VitalSign Diastolic = new("diastolic", "8462-4", "Diastolic blood pressure", "mm[Hg]", "mmHg", 20, 160);

    public static IReadOnlyList<string> Kinds { get; } = ["pulse", "temperature", "blood-pressure", "weight"];

    /// <summary>An Observation (category vital-signs) of <paramref name="kind"/> from the value as typed (<c>120/80</c> for blood pressure).</summary>
    public static Observation Observe(string kind, string typed, ResourceReference subject, DateTimeOffset at)
    {
        var observation = new Observation
        {
            Id = "vital-" + Guid.NewGuid().ToString("N"),
            Status = ObservationStatus.Final,
            Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs", "Vital Signs")],
            Subject = subject,
            Effective = new FhirDateTime(at),
        };
        if (kind == "blood-pressure")
        {
            var parts = typed.Split('/');
            if (parts.Length != 2)
            {
                throw new CliException(ExitCodes.Usage, "Blood pressure is typed systolic/diastolic, e.g. 120/80.");
            }

            var (systolic, diastolic) = (Systolic.Read(parts[0]), Diastolic.Read(parts[1]));
            if (systolic <= diastolic)
            {
                throw new CliException(ExitCodes.InvalidInput, "The systolic pressure (first) must be above the diastolic (second).");
            }

            observation.Code = new CodeableConcept(Loinc_, "85354-9", "Blood pressure panel with all children optional");
            observation.Component = [Systolic.Component(systolic), Diastolic.Component(diastolic)];
            return observation;
        }

        var sign = kind switch
        {
            "pulse" => Pulse,
            "temperature" => Temperature,
            "weight" => Weight,
            _ => throw new CliException(ExitCodes.Usage, $"'{kind}' is not a vital sign here; one of {string.Join(", ", Kinds)}."),
        };
        observation.Code = new CodeableConcept(Loinc_, sign.Loinc, sign.Display);
        observation.Value = sign.Quantity(sign.Read(typed));
        return observation;
    }

    private decimal Read(string typed)
    {
        if (!decimal.TryParse(typed.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            throw new CliException(ExitCodes.Usage, $"'{typed}' is not a number ({Name} in {UnitDisplay}, e.g. {Min + ((Max - Min) / 4):0.#}).");
        }

        return value >= Min && value <= Max
            ? value
            : throw new CliException(ExitCodes.InvalidInput, $"A {Name} of {value} {UnitDisplay} is outside {Min}–{Max} {UnitDisplay}; check the value (and the unit).");
    }

    private Quantity Quantity(decimal value) => new(value, Unit, Ucum) { Unit = UnitDisplay };

    private Observation.ComponentComponent Component(decimal value) => new()
    {
        Code = new CodeableConcept(Loinc_, Loinc, Display),
        Value = Quantity(value),
    };
}
