using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SeSPHR.Portal.Sessions;

namespace SeSPHR.Portal.Pages.Account;

/// <summary>Sign-out (a POST with an anti-forgery token): the session's tokens are dropped and its keys zeroed.</summary>
public sealed class SignOutModel(KeySessions sessions) : PageModel
{
    public IActionResult OnGet() => RedirectToPage("/Index");

    public async Task<IActionResult> OnPostAsync()
    {
        await PortalSignIn.EndAsync(HttpContext, sessions);
        return Redirect("/Account/SignIn?signedOut=true");
    }
}
