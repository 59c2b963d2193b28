using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SeSPHR.Client.Accounts;
using SeSPHR.Contracts;
using SeSPHR.Contracts.Accounts;
using SeSPHR.Portal.Sessions;

namespace SeSPHR.Portal.Pages.Admin;

/// <summary>
/// Asks before a professional account is suspended, naming it (no script needed), then suspends it:
/// the SRS deletes its kfrags at once and the FhirServer refuses its tokens after its next poll.
/// </summary>
[Authorize(Roles = SrsRoles.Admin)]
public sealed class SuspendModel(CurrentUser current) : PageModel
{
    public DirectoryEntryResponse? Account { get; private set; }

    public string? Problem { get; private set; }

    public async Task OnGetAsync(Guid account) => Account = await FindActiveAsync(account);

    public async Task<IActionResult> OnPostAsync(Guid account)
    {
        if (await FindActiveAsync(account) is not { } entry)
        {
            return Page();
        }

        var admin = current.User;
        try
        {
            await admin.Srs.SuspendAsync(entry.UserId.ToString(), await admin.GetSrsAccessTokenAsync());
        }
        catch (SrsRequestException refused) when ((int)refused.Status is >= 400 and < 500)
        {
            Problem = $"The key server refused to suspend {entry.Username} ({refused.Title ?? refused.Status.ToString()}).";
            Account = entry;
            return Page();
        }

        return RedirectToPage("/Admin/Index", new { suspended = entry.UserId });
    }

    /// <summary>The active professional account <paramref name="account"/>; null (with the reason on the page) for any other.</summary>
    private async Task<DirectoryEntryResponse?> FindActiveAsync(Guid account)
    {
        var admin = current.User;
        var entry = await admin.Srs.FindUserAsync(account.ToString(), await admin.GetSrsAccessTokenAsync());
        if (entry is null || !AccountRoles.Professional.Contains(entry.Role) || entry.Status != "active")
        {
            Problem = "There is no active professional account like that; it may have been suspended already.";
            return null;
        }

        return entry;
    }
}
