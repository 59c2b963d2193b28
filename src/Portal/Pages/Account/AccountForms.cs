using System.ComponentModel.DataAnnotations;
using FluentValidation;
using SeSPHR.Contracts;
using SeSPHR.Contracts.Accounts;
using SeSPHR.Portal.Forms;

namespace SeSPHR.Portal.Pages.Account;

public sealed class RegisterForm
{
    [Display(Name = "Your name")]
    public string OwnerName { get; set; } = "";

    [Display(Name = "Username")]
    public string Username { get; set; } = "";

    [Display(Name = "Password")]
    public string Password { get; set; } = "";

    [Display(Name = "Confirm the password")]
    public string ConfirmPassword { get; set; } = "";

    [Display(Name = "E-mail")]
    public string Email { get; set; } = "";

    [Display(Name = "Contact number")]
    public string ContactNumber { get; set; } = "";

    [Display(Name = "I register as")]
    public string Role { get; set; } = SrsRoles.Patient;
}

public sealed class SignInForm
{
    [Display(Name = "Username")]
    public string Username { get; set; } = "";

    [Display(Name = "Password")]
    public string Password { get; set; } = "";
}

public sealed class EnrolForm
{
    [Display(Name = "One-time enrolment code")]
    public string Code { get; set; } = "";

    [Display(Name = "Admin username")]
    public string Username { get; set; } = "";

    [Display(Name = "Password")]
    public string Password { get; set; } = "";

    [Display(Name = "Confirm the password")]
    public string ConfirmPassword { get; set; } = "";
}

/// <summary>The roles a person may register as here, with what each waits for.</summary>
public static class RegistrationRoles
{
    public static IReadOnlyList<(string Role, string Label)> All { get; } =
    [
        (SrsRoles.Patient, "Patient (keeps a health record)"),
        (SrsRoles.RelatedPerson, "Family member"),
        (SrsRoles.Practitioner, "Doctor or other practitioner (an admin approves the account)"),
        (SrsRoles.Pharmacist, "Pharmacist (an admin approves the account)"),
        (SrsRoles.Insurer, "Insurer (an admin approves the account)"),
    ];

    public static bool WaitsForApproval(string role) => role is not (SrsRoles.Patient or SrsRoles.RelatedPerson);
}

internal sealed class RegisterFormValidator : AbstractValidator<RegisterForm>
{
    public RegisterFormValidator()
    {
        RuleFor(f => f.OwnerName).NotEmpty().WithMessage("Enter your name.").MaximumLength(200).WithMessage("Use at most 200 characters.");
        RuleFor(f => f.Username).NotEmpty().WithMessage("Choose a username.")
            .Must(UsernameRule.IsUsername).WithMessage("Use " + UsernameRule.Description + ".");
        RuleFor(f => f.Password).StrongPassword(f => f.Username);
        RuleFor(f => f.ConfirmPassword).Equal(f => f.Password).WithMessage("The two passwords differ.");
        RuleFor(f => f.Email).NotEmpty().WithMessage("Enter an e-mail address.").EmailAddress().WithMessage("Enter an e-mail address like name@example.org.");
        RuleFor(f => f.ContactNumber).NotEmpty().WithMessage("Enter a contact number.")
            .Matches(@"^\+?[0-9 ()-]{6,20}$").WithMessage("Enter a phone number: digits, spaces, brackets or hyphens, optionally starting with +.");
        RuleFor(f => f.Role).Must(r => RegistrationRoles.All.Any(a => a.Role == r)).WithMessage("Choose a role from the list.");
    }
}

internal sealed class SignInFormValidator : AbstractValidator<SignInForm>
{
    public SignInFormValidator()
    {
        RuleFor(f => f.Username).NotEmpty().WithMessage("Enter your username.").MaximumLength(64).WithMessage("Usernames are at most 64 characters.");
        RuleFor(f => f.Password).NotEmpty().WithMessage("Enter your password.").MaximumLength(256).WithMessage("Passwords are at most 256 characters.");
    }
}

internal sealed class EnrolFormValidator : AbstractValidator<EnrolForm>
{
    public EnrolFormValidator()
    {
        RuleFor(f => f.Code).NotEmpty().WithMessage("Enter the one-time code the SRS wrote at its first start.");
        RuleFor(f => f.Username).NotEmpty().WithMessage("Choose a username.")
            .Must(UsernameRule.IsUsername).WithMessage("Use " + UsernameRule.Description + ".");
        RuleFor(f => f.Password).StrongPassword(f => f.Username);
        RuleFor(f => f.ConfirmPassword).Equal(f => f.Password).WithMessage("The two passwords differ.");
    }
}
