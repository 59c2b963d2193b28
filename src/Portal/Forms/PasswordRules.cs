using FluentValidation;

namespace SeSPHR.Portal.Forms;

/// <summary>
/// The strength rule for a new password. The password derives the key that wraps the person's keys
/// (Argon2id), so a guessable one is a guessable record: long, mixed, and not the username.
/// </summary>
internal static class PasswordRules
{
    public const int MinimumLength = 12;

    public static IRuleBuilderOptions<T, string> StrongPassword<T>(this IRuleBuilder<T, string> rule, Func<T, string> username) => rule
        .NotEmpty().WithMessage("Enter a password.")
        .MinimumLength(MinimumLength).WithMessage($"Use at least {MinimumLength} characters.")
        .MaximumLength(256).WithMessage("Use at most 256 characters.")
        .Must(p => CharacterClasses(p) >= 3).WithMessage("Mix at least three of: lower-case letters, upper-case letters, digits, other characters.")
        .Must((form, p) => !p.Contains(username(form), StringComparison.OrdinalIgnoreCase) || username(form).Length == 0)
        .WithMessage("The password must not contain the username.");

    private static int CharacterClasses(string password) =>
        (password.Any(char.IsLower) ? 1 : 0) + (password.Any(char.IsUpper) ? 1 : 0) +
        (password.Any(char.IsDigit) ? 1 : 0) + (password.Any(c => !char.IsLetterOrDigit(c)) ? 1 : 0);
}
