using FluentValidation;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SeSPHR.Contracts;
using SeSPHR.Portal.Forms;
using SeSPHR.Portal.Records;
using SeSPHR.Portal.Sessions;

namespace SeSPHR.Portal.Pages.Record;

/// <summary>
/// Creates or edits the personal section of the patient's record: the Patient resource, sealed to
/// the patient's personal-section key and signed by the patient before it leaves the portal.
/// </summary>
[Authorize(Roles = SrsRoles.Patient)]
public sealed class EditModel(CurrentUser current, PortalJournals journals, IValidator<RecordForm> validator) : PageModel
{
    [BindProperty]
    public RecordForm Form { get; set; } = new();

    /// <summary>Whether a record exists already (the page says "edit" rather than "create").</summary>
    public bool Exists { get; private set; }

    public async System.Threading.Tasks.Task OnGetAsync()
    {
        using var own = await OwnRecord.OpenAsync(current.User, journals);
        if (await own.ReadPatientAsync() is { } patient)
        {
            var details = PersonalDetails.Of(patient);
            Exists = details.IsComplete;
            Form = RecordForm.From(details);
        }
    }

    public async Task<IActionResult> OnPostAsync()
    {
        using var own = await OwnRecord.OpenAsync(current.User, journals);
        if (!(await validator.ValidateAsync(Form)).AddTo(ModelState, nameof(Form)) || !ModelState.IsValid)
        {
            Exists = await own.ReadPatientAsync() is { } stored && PersonalDetails.Of(stored).IsComplete;
            return Page();
        }

        var patient = await own.ReadPatientAsync() ?? new Patient { Id = own.Record.PatientId };
        Form.ToDetails().ApplyTo(patient);
        await own.Fhir.UpdateAsync(patient);
        return RedirectToPage("/Record/Index", new { saved = true });
    }
}
