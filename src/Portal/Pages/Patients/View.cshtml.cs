using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Fhir;
using SeSPHR.Client.Reading;
using SeSPHR.Crypto.Grants;
using SeSPHR.Phr.Sections;
using SeSPHR.Portal.Records;
using SeSPHR.Portal.Sessions;
using SeSPHR.Portal.Times;

namespace SeSPHR.Portal.Pages.Patients;

/// <summary>
/// One patient's record as shared with the signed-in person, in the order their role reads it. A
/// section is opened when the patient's verified grant statement gives this person read access to it
/// now; every other section says "Not shared with you" (decided from the grant, not from what the
/// server happened to send).
/// </summary>
[Authorize(Roles = SharedSections.GranteeRoles)]
public sealed partial class ViewModel(CurrentUser current, ReaderTimeZone zone) : PageModel
{
    public string PatientId { get; private set; } = "";

    /// <summary>The personal section, when shared and opened.</summary>
    public PersonalDetails? Personal { get; private set; }

    public IReadOnlyList<SharedSection> Sections { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string? id)
    {
        if (id is null || !FhirId().IsMatch(id))
        {
            return NotFound();
        }

        var user = current.User;
        await user.RenewIfExpiringAsync();
        var reference = "Patient/" + id;
        var shared = await GrantOfAsync(user, reference);
        var reads = shared?.Sections(GrantActions.Read, DateTimeOffset.UtcNow) ?? [];
        if (shared is null || reads.Count + shared.Sections(GrantActions.Write, DateTimeOffset.UtcNow).Count == 0)
        {
            return NotFound();
        }

        PatientId = id;
        using var fhir = user.CreateFhirClient();
        var tables = new RecordTables(fhir, reference, zone);
        var sections = new List<SharedSection>();
        foreach (var section in SharedSections.OrderFor(current.Role))
        {
            var granted = reads.Contains(section);
            sections.Add(new SharedSection(section, granted, granted ? await SharedSections.TablesOfAsync(section, tables) : []));
        }

        if (reads.Contains(PhrSection.Personal) && await PatientResource.ReadAsync(fhir, reference) is { } patient && !patient.SealedSections().Contains(PhrSection.Personal))
        {
            Personal = PersonalDetails.Of(patient);
        }

        Sections = sections;
        return Page();
    }

    /// <summary>What the patient granted this person, from their verified statement; null for someone not in the key directory.</summary>
    private static async Task<SharedRecord?> GrantOfAsync(PhrUser user, string patientFhirUser)
    {
        try
        {
            return (await new GranteeReader(user).LearnAsync(patientFhirUser)).Shared;
        }
        catch (InvalidOperationException)
        {
            // Not in the key directory: no such patient, and nothing shared.
            return null;
        }
    }

    [GeneratedRegex("^[A-Za-z0-9.-]{1,64}$")]
    private static partial Regex FhirId();
}
