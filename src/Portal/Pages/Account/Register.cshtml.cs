using System.Net;
using FluentValidation;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Errors;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Records;
using SeSPHR.Contracts;
using SeSPHR.Portal.Forms;
using SeSPHR.Portal.Hosting;
using SeSPHR.Portal.Sessions;

namespace SeSPHR.Portal.Pages.Account;

/// <summary>
/// A new account: fresh keys made here, their public halves and the password-wrapped backup sent to
/// the SRS. A patient's name, e-mail and contact number start their record as a sealed Patient.
/// </summary>
[EnableRateLimiting(PortalHosting.SignInLimit)]
public sealed class RegisterModel(IValidator<RegisterForm> validator, IOptions<PortalOptions> options, KeySessions sessions, PortalJournals journals) : PageModel
{
    [BindProperty]
    public RegisterForm Form { get; set; } = new();

    /// <summary>Set when the account waits for an admin's approval.</summary>
    public bool Pending { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!(await validator.ValidateAsync(Form)).AddTo(ModelState, nameof(Form)))
        {
            return Page();
        }

        var fhirUser = NewFhirUser(Form.Role);
        var user = PhrUser.Create(options.Value.Endpoints, Form.Username, Form.Role, fhirUser, Form.Password);
        try
        {
            var answer = await user.RegisterAsync();
            if (answer.Status != "active")
            {
                Pending = true;
                user.Dispose();
                return Page();
            }

            await user.LoginAsync();
            if (Form.Role == SrsRoles.Patient)
            {
                await StartRecordAsync(user);
            }
        }
        catch (SrsRequestException refused) when (refused.Status == HttpStatusCode.Conflict)
        {
            user.Dispose();
            ModelState.AddModelError($"{nameof(Form)}.{nameof(Form.Username)}", "This username is taken; choose another.");
            return Page();
        }
        catch
        {
            user.Dispose();
            throw;
        }

        await PortalSignIn.StartAsync(HttpContext, sessions, user);
        return Redirect(PortalSignIn.HomeOf(user.Role));
    }

    private async System.Threading.Tasks.Task StartRecordAsync(PhrUser patient)
    {
        var record = new PatientRecord(patient, PatientGrants.Open(patient, journals.For(patient)).Book);
        var resource = new Patient
        {
            Id = record.PatientId,
            Active = true,
            Name = [new HumanName { Text = Form.OwnerName }],
            Telecom =
            [
                new ContactPoint(ContactPoint.ContactPointSystem.Email, ContactPoint.ContactPointUse.Home, Form.Email),
                new ContactPoint(ContactPoint.ContactPointSystem.Phone, ContactPoint.ContactPointUse.Mobile, Form.ContactNumber),
            ],
        };
        var written = await record.WriteAsync(resource);
        if (!written.IsSuccess)
        {
            throw new FhirServerUnavailableException("The FhirServer did not store the new record.");
        }
    }

    private static string NewFhirUser(string role) => role switch
    {
        SrsRoles.Patient => "Patient/",
        SrsRoles.RelatedPerson => "RelatedPerson/",
        SrsRoles.Insurer => "Organization/",
        _ => "Practitioner/",
    } + Guid.NewGuid().ToString("N");
}
