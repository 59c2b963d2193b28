using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SeSPHR.Portal.Sessions;

namespace SeSPHR.Portal.Pages;

/// <summary>The front page: a signed-in person goes to their role's start page.</summary>
public sealed class IndexModel : PageModel
{
    public IActionResult OnGet() =>
        User.Identity?.IsAuthenticated == true ? Redirect(PortalSignIn.HomeOf(PortalClaims.RoleOf(User))) : Page();
}
