using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SeSPHR.Client.Errors;
using SeSPHR.Client.Grants;
using SeSPHR.Contracts;
using SeSPHR.Portal.Sessions;
using SeSPHR.Portal.Times;

namespace SeSPHR.Portal.Pages.Sharing;

/// <summary>
/// Asks before a grant is revoked (no script needed), then revokes it: the Consent becomes
/// inactive, the SRS deletes its kfrags before the FhirServer answers, and the sections move to new keys.
/// </summary>
[Authorize(Roles = SrsRoles.Patient)]
public sealed class RevokeModel(CurrentUser current, PortalJournals journals, GrantLocks locks, ReaderTimeZone zone) : PageModel
{
    public GrantRow? Grant { get; private set; }

    public string? Problem { get; private set; }

    public async Task<IActionResult> OnGetAsync(string consent)
    {
        await FindAsync(Open(), consent);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string consent)
    {
        using var held = await locks.HoldAsync(current.User.RequireUserId, HttpContext.RequestAborted);
        var grants = Open();
        try
        {
            if (await grants.EndGrantAsync(consent))
            {
                return RedirectToPage("/Sharing/Index", new { done = "revoked" });
            }
        }
        catch (Exception failure) when (failure is SrsUnavailableException or FhirServerUnavailableException)
        {
            Problem = UnfinishedWork.NotComplete(UnfinishedWork.Revocation);
            return Page();
        }
        catch (GrantingException refused)
        {
            Problem = "The revocation is not complete: " + refused.Message + " It is tried again the next time you open the sharing page.";
            return Page();
        }

        await FindAsync(grants, consent);
        return Page();
    }

    private PatientGrants Open() => PatientGrants.Open(current.User, journals.For(current.User));

    private async Task FindAsync(PatientGrants grants, string consent)
    {
        if (grants.Book.Current().FirstOrDefault(g => g.ConsentId == consent) is not { } grant)
        {
            Problem = "There is no current grant like that; it may have been revoked already.";
            return;
        }

        string? username = null;
        if (grant.GranteeUserId is { } userId)
        {
            try
            {
                username = (await current.User.Srs.FindUserAsync(userId, await current.User.GetSrsAccessTokenAsync()))?.Username;
            }
            catch (SrsUnavailableException)
            {
                // The grant is named by its FHIR reference instead.
            }
        }

        Grant = GrantRow.Of(grant, username, zone);
    }
}
