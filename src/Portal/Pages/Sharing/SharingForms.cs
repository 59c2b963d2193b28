using System.ComponentModel.DataAnnotations;
using FluentValidation;
using SeSPHR.Contracts;
using SeSPHR.Contracts.Accounts;
using SeSPHR.Phr.Sections;
using SeSPHR.Portal.Times;

namespace SeSPHR.Portal.Pages.Sharing;

public sealed class GrantForm
{
    /// <summary><see cref="GrantTargets.User"/> or <see cref="GrantTargets.Role"/>.</summary>
    [Display(Name = "Share with")]
    public string Target { get; set; } = GrantTargets.User;

    [Display(Name = "Their username")]
    public string? Username { get; set; }

    [Display(Name = "Everyone who is")]
    public string Role { get; set; } = SrsRoles.Practitioner;

    [Display(Name = "Parts of your record")]
    public List<string> Sections { get; set; } = [];

    [Display(Name = "They may")]
    public string Access { get; set; } = GrantAccess.Read;

    [Display(Name = "Until (last day of access)")]
    public DateOnly? Until { get; set; }

    /// <summary>The fingerprint the page showed (from the directory), which the grant is checked against.</summary>
    [Display(Name = "Their key fingerprint")]
    public string? Fingerprint { get; set; }

    [Display(Name = "I compared this fingerprint with the one they see in their own account, and it is the same")]
    public bool FingerprintCompared { get; set; }

    public IReadOnlyList<PhrSection> ChosenSections =>
        [.. Sections.Select(code => PhrSectionCodes.TryParse(code, out var section) ? section : (PhrSection?)null).OfType<PhrSection>().Distinct()];

    public IReadOnlyList<PhrSection> ReadSections => Access == GrantAccess.Write ? [] : ChosenSections;

    public IReadOnlyList<PhrSection> WriteSections => Access == GrantAccess.Read ? [] : ChosenSections;

    /// <summary>Access ends when the chosen day ends in the patient's time zone.</summary>
    public DateTimeOffset? EndIn(ReaderTimeZone zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        return Until is { } day ? zone.EndOf(day) : null;
    }
}

public static class GrantTargets
{
    public const string User = "user";
    public const string Role = "role";
}

public static class GrantAccess
{
    public const string Read = "read";
    public const string Write = "write";
    public const string ReadWrite = "read-write";

    public static IReadOnlyList<(string Code, string Label)> All { get; } =
        [(Read, "Read"), (Write, "Write (add to it)"), (ReadWrite, "Read and write")];
}

/// <summary>The roles a patient can share with as a whole (API.md: the SRS keeps role grants for any role; related persons are approved one by one).</summary>
public static class GrantRoles
{
    public static IReadOnlyList<(string Role, string Label)> All { get; } =
    [
        (SrsRoles.Practitioner, "a doctor or other practitioner"),
        (SrsRoles.Pharmacist, "a pharmacist"),
        (SrsRoles.Insurer, "an insurer"),
        (SrsRoles.Researcher, "a researcher"),
        (SrsRoles.RelatedPerson, "a family member (each approved by you)"),
    ];

    public static string LabelOf(string role) => All.FirstOrDefault(r => r.Role == role).Label ?? role;
}

/// <summary>The record's sections as a patient reads them.</summary>
public static class SectionNames
{
    public static string Of(PhrSection section) => section switch
    {
        PhrSection.Personal => "Personal details",
        PhrSection.Medical => "Medical history",
        PhrSection.Vitals => "Vital signs",
        PhrSection.Prescriptions => "Prescriptions",
        PhrSection.Insurance => "Insurance",
        _ => section.ToCode(),
    };

    public static string Of(string code) => PhrSectionCodes.TryParse(code, out var section) ? Of(section) : code;

    public static string List(IEnumerable<PhrSection> sections) => string.Join(", ", sections.Select(Of));
}

internal sealed class GrantFormValidator : AbstractValidator<GrantForm>
{
    public GrantFormValidator(TimeProvider clock, ReaderTimeZone zone)
    {
        RuleFor(f => f.Target).Must(t => t is GrantTargets.User or GrantTargets.Role).WithMessage("Choose whether you share with one person or with a role.");
        When(f => f.Target == GrantTargets.User, () =>
        {
            RuleFor(f => f.Username).NotEmpty().WithMessage("Enter the username of the person you share with.")
                .Must(u => UsernameRule.IsUsername(u!)).WithMessage("That is not a username: usernames are " + UsernameRule.Description + ".");
        });
        When(f => f.Target == GrantTargets.Role, () =>
        {
            RuleFor(f => f.Role).Must(r => GrantRoles.All.Any(a => a.Role == r)).WithMessage("Choose a role from the list.");
        });
        RuleFor(f => f.Sections).NotEmpty().WithMessage("Choose at least one part of your record.")
            .Must(s => s.All(code => PhrSectionCodes.TryParse(code, out _))).WithMessage("Choose parts of your record from the list.");
        RuleFor(f => f.Access).Must(a => GrantAccess.All.Any(g => g.Code == a)).WithMessage("Choose read, write, or read and write.");
        RuleFor(f => f.Until).Must(d => d is null || d.Value.Year < 9999).WithMessage("Choose a day before the year 9999, or leave it empty for no end date.");
        RuleFor(f => f.Until).Must(d => d is null || d >= zone.Today(clock))
            .WithMessage("The end date is in the past; choose today or a later day.");
    }
}
