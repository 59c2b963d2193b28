using System.Net;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Errors;
using SeSPHR.Contracts;
using SeSPHR.Portal.Forms;
using SeSPHR.Portal.Hosting;
using SeSPHR.Portal.Sessions;

namespace SeSPHR.Portal.Pages.Account;

/// <summary>
/// Sign-in for every role: Argon2id on the password here, the SRS's authorization-code flow with
/// PKCE completed by the portal itself, the key backup opened into this session's memory. The
/// password goes no further than this process.
/// </summary>
[EnableRateLimiting(PortalHosting.SignInLimit)]
public sealed class SignInModel(IValidator<SignInForm> validator, IOptions<PortalOptions> options, KeySessions sessions, JournalRepair repair) : PageModel
{
    [BindProperty]
    public SignInForm Form { get; set; } = new();

    /// <summary>Why the person is here again: their session ended, or they signed out.</summary>
    public string? Notice { get; private set; }

    public void OnGet(bool ended = false, bool signedOut = false) =>
        Notice = ended ? "Your session ended; sign in again." : signedOut ? "You are signed out. Your keys are gone from the portal's memory." : null;

    public async Task<IActionResult> OnPostAsync()
    {
        if (!(await validator.ValidateAsync(Form)).AddTo(ModelState, nameof(Form)))
        {
            return Page();
        }

        PhrUser user;
        try
        {
            user = await PhrUser.SignInAsync(options.Value.Endpoints, Form.Username, Form.Password);
        }
        catch (Exception refused) when (refused is WrongPasswordException or SrsRequestException { Status: HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest or HttpStatusCode.Forbidden })
        {
            ModelState.AddModelError("", "Unknown username or wrong password, or an account still waiting for an admin's approval.");
            return Page();
        }
        catch (SrsRequestException refused) when (refused.Status == HttpStatusCode.TooManyRequests)
        {
            ModelState.AddModelError("", "Too many sign-in attempts for this account. Wait a minute, then try again.");
            return Page();
        }

        await PortalSignIn.StartAsync(HttpContext, sessions, user);
        if (user.Role == SrsRoles.Patient)
        {
            await repair.CompleteAsync(user, HttpContext.RequestAborted);
        }

        return Redirect(PortalSignIn.HomeOf(user.Role));
    }
}
