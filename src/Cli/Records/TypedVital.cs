using System.Globalization;
using Hl7.Fhir.Model;
using SeSPHR.Cli.Commands;
using SeSPHR.Client.Records;

namespace SeSPHR.Cli.Records;

/// <summary>
/// A vital sign as typed on the command line (<c>pulse 72</c>, <c>blood-pressure 120/80</c>), read
/// into the SDK's <see cref="VitalSign"/> Observation; a value outside its plausible range is refused
/// with the range and the unit, before anything is sealed.
/// </summary>
internal static class TypedVital
{
    public static IReadOnlyList<string> Kinds { get; } = ["pulse", "temperature", "blood-pressure", "weight"];

    /// <summary>An Observation (category vital-signs) of <paramref name="kind"/> from the value as typed (<c>120/80</c> for blood pressure).</summary>
    public static Observation Observe(string kind, string typed, ResourceReference subject, DateTimeOffset at)
    {
        if (kind == "blood-pressure")
        {
            var parts = typed.Split('/');
            if (parts.Length != 2)
            {
                throw new CliException(ExitCodes.Usage, "Blood pressure is typed systolic/diastolic, e.g. 120/80.");
            }

            var (systolic, diastolic) = (Read(VitalSign.Systolic, parts[0]), Read(VitalSign.Diastolic, parts[1]));
            return systolic > diastolic
                ? VitalSign.ObserveBloodPressure(systolic, diastolic, subject, at)
                : throw new CliException(ExitCodes.InvalidInput, "The systolic pressure (first) must be above the diastolic (second).");
        }

        var sign = kind switch
        {
            "pulse" => VitalSign.Pulse,
            "temperature" => VitalSign.Temperature,
            "weight" => VitalSign.Weight,
            _ => throw new CliException(ExitCodes.Usage, $"'{kind}' is not a vital sign here; one of {string.Join(", ", Kinds)}."),
        };
        return sign.Observe(Read(sign, typed), subject, at);
    }

    private static decimal Read(VitalSign sign, string typed)
    {
        if (!decimal.TryParse(typed.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            throw new CliException(ExitCodes.Usage, $"'{typed}' is not a number ({sign.Name} in {sign.UnitDisplay}, e.g. {sign.Min + ((sign.Max - sign.Min) / 4):0.#}).");
        }

        return sign.Allows(value)
            ? value
            : throw new CliException(ExitCodes.InvalidInput, $"A {sign.Name} of {value} {sign.UnitDisplay} is outside {sign.Min}–{sign.Max} {sign.UnitDisplay}; check the value (and the unit).");
    }
}
