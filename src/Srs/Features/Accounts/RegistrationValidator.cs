using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using FluentValidation;
using SeSPHR.Crypto.Passwords;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Srs.Features.Accounts;

/// <summary>
/// What a registration must satisfy before anything is stored: a username and <c>fhirUser</c> of
/// the allowed shapes, a <c>fhirUser</c> type that fits the role, Argon2id settings no weaker than
/// the production client policy, a 32-byte authentication secret, two valid compressed secp256k1
/// points, and a key backup wrapped with the same settings. Messages name the field, never its value.
/// </summary>
public sealed partial class RegistrationValidator : AbstractValidator<RegistrationRequest>
{
    public const int MaxBackupBytes = 64 * 1024;

    public RegistrationValidator()
    {
        RuleFor(r => r.Username).NotEmpty().WithMessage("username is required.")
            .Must(u => u is null || UsernameRule.IsUsername(u))
            .WithMessage("username must be 3 to 64 characters: lowercase letters, digits, '.', '_' or '-', starting with a letter or digit.");
        RuleFor(r => r.Role).NotEmpty().WithMessage("role is required.")
            .Must(r => r is null || Roles.IsKnown(r)).WithMessage("role is not one of patient, practitioner, related-person, insurer, pharmacist, researcher.");
        RuleFor(r => r.FhirUser).NotEmpty().WithMessage("fhirUser is required.")
            .Must(f => f is null || FhirUserShape().IsMatch(f)).WithMessage("fhirUser must be a relative reference such as Patient/p1.");
        RuleFor(r => r)
            .Must(r => Roles.FitsFhirUser(r.Role!, r.FhirUser!))
            .When(r => r.Role is not null && Roles.IsKnown(r.Role) && r.FhirUser is not null && FhirUserShape().IsMatch(r.FhirUser))
            .WithName("fhirUser")
            .WithMessage(r => $"fhirUser of a {r.Role} must be {Roles.AllowedTypes(r.Role!)}.");
        RuleFor(r => r.Kdf).NotNull().WithMessage("kdf is required.");
        RuleFor(r => r.Kdf!.Salt).Must(s => DecodesTo(s, PasswordKdfSettings.SaltSize))
            .When(r => r.Kdf is not null).WithName("kdf.salt")
            .WithMessage($"kdf.salt must be {PasswordKdfSettings.SaltSize} bytes of base64.");
        RuleFor(r => r.Kdf!)
            .Must(k => PasswordKdfPolicy.Production.Accepts(new Argon2idParameters(k.MemoryKiB, k.Iterations, k.Parallelism)))
            .When(r => r.Kdf is not null).WithName("kdf")
            .WithMessage("kdf parameters are outside the client policy (at least 64 MiB, 3 passes, 1 lane).");
        RuleFor(r => r.AuthSecret).Must(s => DecodesTo(s, PasswordMasterKey.AuthenticationSecretSize))
            .WithMessage($"authSecret must be {PasswordMasterKey.AuthenticationSecretSize} bytes of base64.");
        RuleFor(r => r.UmbralPublicKey).Must(IsPublicKey)
            .WithMessage("umbralPublicKey must be a compressed secp256k1 point (33 bytes of base64).");
        RuleFor(r => r.SigningPublicKey).Must(IsPublicKey)
            .WithMessage("signingPublicKey must be a compressed secp256k1 point (33 bytes of base64).");
        RuleFor(r => r.WrappedBackup).Must(IsBackup)
            .WithMessage($"wrappedBackup must be a SeSPHR key backup (base64, at most {MaxBackupBytes} bytes).");
        RuleFor(r => r)
            .Must(r => BackupMatchesKdf(r.WrappedBackup!, r.Kdf!))
            .When(r => IsBackup(r.WrappedBackup) && r.Kdf is not null && DecodesTo(r.Kdf.Salt, PasswordKdfSettings.SaltSize))
            .WithName("wrappedBackup")
            .WithMessage("wrappedBackup was not wrapped with the kdf settings sent.");
    }

    /// <summary>Whether <paramref name="username"/> has the shape every username has (so a look-up by anything else is refused, not tried).</summary>
    public static bool IsUsername([NotNullWhen(true)] string? username) => username is not null && UsernameRule.IsUsername(username);

    /// <summary>Whether <paramref name="fhirUser"/> has the shape every account's <c>fhirUser</c> has.</summary>
    public static bool IsFhirUser([NotNullWhen(true)] string? fhirUser) => fhirUser is not null && FhirUserShape().IsMatch(fhirUser);

    public static byte[]? Decode(string? base64)
    {
        if (string.IsNullOrEmpty(base64))
            return null;
        var buffer = new byte[(base64.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(base64, buffer, out var written) ? buffer[..written] : null;
    }

    private static bool DecodesTo(string? base64, int size) => Decode(base64) is { } bytes && bytes.Length == size;

    internal static bool IsPublicKey(string? base64)
    {
        if (Decode(base64) is not { Length: PublicKey.CompressedSize } bytes)
            return false;
        try
        {
            PublicKey.FromBytes(bytes);
            return true;
        }
        catch (InvalidEncodingException)
        {
            return false;
        }
    }

    private static bool IsBackup(string? base64)
    {
        if (base64 is null || base64.Length > MaxBackupBytes * 4 / 3 + 4 || Decode(base64) is not { } bytes)
            return false;
        try
        {
            KeyBackup.ReadSettings(bytes);
            return true;
        }
        catch (Exception e) when (e is KeyBackupFormatException or PasswordKdfParametersRejectedException or ArgumentException)
        {
            return false;
        }
    }

    private static bool BackupMatchesKdf(string backup, KdfSettings kdf)
    {
        var settings = KeyBackup.ReadSettings(Decode(backup));
        return settings.Salt.SequenceEqual(Decode(kdf.Salt)) &&
               settings.Parameters == new Argon2idParameters(kdf.MemoryKiB, kdf.Iterations, kdf.Parallelism);
    }

    [GeneratedRegex("^(Patient|Practitioner|PractitionerRole|RelatedPerson|Organization)/[A-Za-z0-9.-]{1,64}$")]
    internal static partial Regex FhirUserShape();
}
