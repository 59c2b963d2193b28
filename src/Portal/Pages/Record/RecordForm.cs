using System.ComponentModel.DataAnnotations;
using FluentValidation;
using SeSPHR.Portal.Records;

namespace SeSPHR.Portal.Pages.Record;

/// <summary>The "create the health record" screen: the personal section of the patient's record.</summary>
public sealed class RecordForm
{
    [Display(Name = "Patient name")]
    public string PatientName { get; set; } = "";

    [Display(Name = "E-mail")]
    public string Email { get; set; } = "";

    [Display(Name = "Gender")]
    public string Gender { get; set; } = "";

    [Display(Name = "Home address")]
    public string HomeAddress { get; set; } = "";

    [Display(Name = "City")]
    public string City { get; set; } = "";

    [Display(Name = "State")]
    public string State { get; set; } = "";

    [Display(Name = "Zip")]
    public string Zip { get; set; } = "";

    [Display(Name = "Contact number")]
    public string ContactNumber { get; set; } = "";

    [Display(Name = "Date of birth")]
    public DateOnly? DateOfBirth { get; set; }

    public static RecordForm From(PersonalDetails details) => new()
    {
        PatientName = details.Name,
        Email = details.Email,
        Gender = details.Gender,
        HomeAddress = details.HomeAddress,
        City = details.City,
        State = details.State,
        Zip = details.Zip,
        ContactNumber = details.ContactNumber,
        DateOfBirth = details.DateOfBirth,
    };

    public PersonalDetails ToDetails() =>
        new(PatientName.Trim(), Email.Trim(), Gender, HomeAddress.Trim(), City.Trim(), State.Trim(), Zip.Trim(), ContactNumber.Trim(), DateOfBirth);
}

internal sealed class RecordFormValidator : AbstractValidator<RecordForm>
{
    /// <summary>The oldest person on record lived to 122; a birth date before this is a typing slip.</summary>
    private const int OldestAge = 130;

    public RecordFormValidator(TimeProvider clock)
    {
        // One message per field: the first rule it breaks.
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(f => f.PatientName).NotEmpty().WithMessage("Enter the patient's name.").MaximumLength(200).WithMessage("Use at most 200 characters.");
        RuleFor(f => f.Email).NotEmpty().WithMessage("Enter an e-mail address.").MaximumLength(254).WithMessage("Use at most 254 characters.")
            .Matches(@"^[^@\s]+@[^@\s]+\.[^@\s]+$").WithMessage("Enter an e-mail address like name@example.org.");
        RuleFor(f => f.Gender).Must(g => PersonalDetails.Genders.Any(known => known.Code == g)).WithMessage("Choose a gender from the list.");
        RuleFor(f => f.HomeAddress).NotEmpty().WithMessage("Enter the home address (street and number).").MaximumLength(200).WithMessage("Use at most 200 characters.");
        RuleFor(f => f.City).NotEmpty().WithMessage("Enter the city.").MaximumLength(100).WithMessage("Use at most 100 characters.");
        RuleFor(f => f.State).NotEmpty().WithMessage("Enter the state.").MaximumLength(100).WithMessage("Use at most 100 characters.");
        RuleFor(f => f.Zip).NotEmpty().WithMessage("Enter the zip code.")
            .Matches(@"^[A-Za-z0-9][A-Za-z0-9 -]{1,8}[A-Za-z0-9]$").WithMessage("Enter a zip code of 3 to 10 letters or digits, e.g. 02139 or 02139-4307.");
        RuleFor(f => f.ContactNumber).NotEmpty().WithMessage("Enter a contact number.")
            .Matches(@"^\+?[0-9 ()-]{6,20}$").WithMessage("Enter a phone number: digits, spaces, brackets or hyphens, optionally starting with +.");
        RuleFor(f => f.DateOfBirth).NotNull().WithMessage("Enter the date of birth.")
            .Must(born => born < Today(clock)).WithMessage("The date of birth must be in the past.")
            .Must(born => born >= Today(clock).AddYears(-OldestAge)).WithMessage($"The date of birth must be within the last {OldestAge} years.");
    }

    private static DateOnly Today(TimeProvider clock) => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
}
