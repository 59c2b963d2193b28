using System.Net;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using SeSPHR.Client.Accounts;
using SeSPHR.Contracts;
using SeSPHR.Portal.Forms;
using SeSPHR.Portal.Hosting;
using SeSPHR.Portal.Sessions;

namespace SeSPHR.Portal.Pages.Account;

/// <summary>The first admin of a new SRS, with the one-time code it wrote at its first start; there is no default admin.</summary>
[EnableRateLimiting(PortalHosting.SignInLimit)]
public sealed class EnrolModel(IValidator<EnrolForm> validator, IOptions<PortalOptions> options, KeySessions sessions) : PageModel
{
    [BindProperty]
    public EnrolForm Form { get; set; } = new();

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!(await validator.ValidateAsync(Form)).AddTo(ModelState, nameof(Form)))
        {
            return Page();
        }

        var admin = PhrUser.Create(options.Value.Endpoints, Form.Username, SrsRoles.Admin, "Practitioner/" + Guid.NewGuid().ToString("N"), Form.Password);
        try
        {
            await admin.EnrolAsAdminAsync(Form.Code.Trim());
            await admin.LoginAsync();
        }
        catch (SrsRequestException refused) when (refused.Status is HttpStatusCode.Forbidden or HttpStatusCode.Conflict or HttpStatusCode.BadRequest)
        {
            admin.Dispose();
            ModelState.AddModelError(
                refused.Status == HttpStatusCode.Conflict ? $"{nameof(Form)}.{nameof(Form.Username)}" : $"{nameof(Form)}.{nameof(Form.Code)}",
                refused.Status == HttpStatusCode.Conflict ? "This username is taken; choose another." : "The code is wrong or was already used.");
            return Page();
        }
        catch
        {
            admin.Dispose();
            throw;
        }

        await PortalSignIn.StartAsync(HttpContext, sessions, admin);
        return Redirect(PortalSignIn.HomeOf(admin.Role));
    }
}
