using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SeSPHR.Client.Fhir;
using SeSPHR.Client.Reading;
using SeSPHR.Crypto.Grants;
using SeSPHR.Phr.Sections;
using SeSPHR.Portal.Records;
using SeSPHR.Portal.Sessions;

namespace SeSPHR.Portal.Pages.Patients;

/// <summary>
/// The patients who share part of their record with the signed-in person: found from the Consents
/// the FhirServer shows them, each grant checked against the patient's signed statement.
/// </summary>
[Authorize(Roles = SharedSections.GranteeRoles)]
public sealed class IndexModel(CurrentUser current) : PageModel
{
    public sealed record SharingPatient(string PatientId, string Name, IReadOnlyList<PhrSection> Sections, DateTimeOffset? Until);

    public IReadOnlyList<SharingPatient> Patients { get; private set; } = [];

    public async System.Threading.Tasks.Task OnGetAsync()
    {
        var user = current.User;
        await user.RenewIfExpiringAsync();
        var now = DateTimeOffset.UtcNow;
        var shared = await new GranteeReader(user).SharedWithMeAsync(now);
        using var fhir = user.CreateFhirClient();
        var patients = new List<SharingPatient>();
        foreach (var record in shared)
        {
            var sections = record.Sections(GrantActions.Read, now);
            patients.Add(new SharingPatient(record.PatientId, await NameOfAsync(fhir, record, sections), sections, record.Until));
        }

        Patients = patients;
    }

    /// <summary>The patient's name when the personal section is shared and opens; otherwise words that say it is not.</summary>
    private static async Task<string> NameOfAsync(Hl7.Fhir.Rest.FhirClient fhir, SharedRecord record, IReadOnlyList<PhrSection> sections)
    {
        if (!sections.Contains(PhrSection.Personal))
        {
            return "Name not shared with you";
        }

        var patient = await PatientResource.ReadAsync(fhir, record.PatientFhirUser);
        return patient is not null && !patient.SealedSections().Contains(PhrSection.Personal) && PersonalDetails.Of(patient).Name is { Length: > 0 } name
            ? name
            : "Name not shared with you";
    }
}
