using System.ComponentModel.DataAnnotations;
using FluentValidation;
using Hl7.Fhir.Model;
using SeSPHR.Client.Records;
using SeSPHR.Portal.Times;

namespace SeSPHR.Portal.Pages.Vitals;

/// <summary>One sitting's measurements: any of the four vitals, taken at one time (the reader's wall clock).</summary>
public sealed class VitalsForm
{
    [Display(Name = "Pulse (beats/minute)")]
    public decimal? Pulse { get; set; }

    [Display(Name = "Body temperature (°C)")]
    public decimal? Temperature { get; set; }

    [Display(Name = "Systolic blood pressure (mmHg)")]
    public decimal? Systolic { get; set; }

    [Display(Name = "Diastolic blood pressure (mmHg)")]
    public decimal? Diastolic { get; set; }

    [Display(Name = "Body weight (kg)")]
    public decimal? Weight { get; set; }

    /// <summary>The wall-clock time in the reader's time zone (the label names it).</summary>
    [Display(Name = "Measured at")]
    public DateTime? MeasuredAt { get; set; }

    /// <summary>One Observation per vital entered (blood pressure as one panel), all at <see cref="MeasuredAt"/> in <paramref name="zone"/>.</summary>
    public IReadOnlyList<Observation> Observations(ResourceReference subject, ReaderTimeZone zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var at = zone.FromWallClock(MeasuredAt!.Value);
        var observations = new List<Observation>();
        if (Pulse is { } pulse)
        {
            observations.Add(VitalSign.Pulse.Observe(pulse, subject, at));
        }

        if (Temperature is { } temperature)
        {
            observations.Add(VitalSign.Temperature.Observe(temperature, subject, at));
        }

        if (Systolic is { } systolic && Diastolic is { } diastolic)
        {
            observations.Add(VitalSign.ObserveBloodPressure(systolic, diastolic, subject, at));
        }

        if (Weight is { } weight)
        {
            observations.Add(VitalSign.Weight.Observe(weight, subject, at));
        }

        return observations;
    }
}

/// <summary>Plausible ranges from the SDK's <see cref="VitalSign"/>, so the portal refuses what the CLI refuses.</summary>
internal sealed class VitalsFormValidator : AbstractValidator<VitalsForm>
{
    /// <summary>Clocks of the measuring device and of the portal may differ a little.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    public VitalsFormValidator(TimeProvider clock, ReaderTimeZone zone)
    {
        RuleFor(f => f.Pulse)
            .Must((form, _) => (form.Pulse ?? form.Temperature ?? form.Systolic ?? form.Diastolic ?? form.Weight) is not null)
            .WithMessage("Enter at least one measurement.");
        InRange(f => f.Pulse, VitalSign.Pulse, "pulse");
        InRange(f => f.Temperature, VitalSign.Temperature, "body temperature");
        InRange(f => f.Systolic, VitalSign.Systolic, "systolic pressure");
        InRange(f => f.Diastolic, VitalSign.Diastolic, "diastolic pressure");
        InRange(f => f.Weight, VitalSign.Weight, "body weight");
        RuleFor(f => f.Systolic).NotNull().When(f => f.Diastolic is not null)
            .WithMessage("Enter the systolic pressure as well (the upper number).");
        RuleFor(f => f.Diastolic).NotNull().When(f => f.Systolic is not null)
            .WithMessage("Enter the diastolic pressure as well (the lower number).");
        RuleFor(f => f.Diastolic).LessThan(f => f.Systolic)
            .When(f => f.Systolic is not null && f.Diastolic is not null)
            .WithMessage("The diastolic pressure must be below the systolic.");
        RuleFor(f => f.MeasuredAt).NotNull().WithMessage("Enter the date and time of the measurement.");
        RuleFor(f => f.MeasuredAt)
            .Must(at => zone.Exists(at!.Value))
            .When(f => f.MeasuredAt is not null)
            .WithMessage($"That time does not exist in {zone.Label} (the clocks were put forward); enter the time the clock showed.");
        // The first and the last year a DateTimeOffset holds are out of range (and out of reach) in any zone.
        RuleFor(f => f.MeasuredAt)
            .Must(at => at!.Value.Year < 9999 && (!zone.Exists(at.Value) || zone.FromWallClock(at.Value) <= clock.GetUtcNow() + ClockSkew))
            .When(f => f.MeasuredAt is { Year: >= 1900 })
            .WithMessage($"The time is in the future; enter when the measurement was taken ({zone.Label} time).");
        RuleFor(f => f.MeasuredAt)
            .Must(at => at!.Value.Year >= 1900)
            .When(f => f.MeasuredAt is not null)
            .WithMessage("Enter a date after 1900.");
    }

    private void InRange(System.Linq.Expressions.Expression<Func<VitalsForm, decimal?>> field, VitalSign sign, string name) =>
        RuleFor(field)
            .Must(value => value is null || sign.Allows(value.Value))
            .WithMessage($"Enter a {name} between {VitalsChart.Format(sign.Min)} and {VitalsChart.Format(sign.Max)} {sign.UnitDisplay}.");
}
