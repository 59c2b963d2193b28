using System.Net;
using System.Text.Json;
using FluentValidation;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SeSPHR.Client.Accounts;
using SeSPHR.Contracts;
using SeSPHR.Contracts.Accounts;
using SeSPHR.Contracts.OAuth;
using SeSPHR.Portal.Forms;
using SeSPHR.Portal.Sessions;

namespace SeSPHR.Portal.Pages.Admin;

/// <summary>
/// The admin's page: professional accounts waiting for approval (approve), active ones (suspend, after
/// a confirmation on <c>/Admin/Suspend</c>), suspended ones (approve again), and the registration of a
/// system client with its public keys.
/// </summary>
[Authorize(Roles = SrsRoles.Admin)]
public sealed class IndexModel(CurrentUser current, IValidator<SystemClientForm> validator) : PageModel
{
    [BindProperty]
    public SystemClientForm Form { get; set; } = new();

    public IReadOnlyList<DirectoryEntryResponse> Waiting { get; private set; } = [];

    public IReadOnlyList<DirectoryEntryResponse> Active { get; private set; } = [];

    public IReadOnlyList<DirectoryEntryResponse> Suspended { get; private set; } = [];

    public string? Notice { get; private set; }

    public string? Problem { get; private set; }

    /// <summary>The page, after a suspension confirmed on <c>/Admin/Suspend</c> (<paramref name="suspended"/>: whose) saying that it is done.</summary>
    public async Task OnGetAsync(Guid? suspended)
    {
        if (suspended is { } id && await current.User.Srs.FindUserAsync(id.ToString(), await current.User.GetSrsAccessTokenAsync()) is { Status: "suspended" } entry)
        {
            Notice = $"{entry.Username} is suspended: they can no longer sign in, and no record is re-encrypted for them any more.";
        }

        await LoadAsync();
    }

    public async Task OnPostApproveAsync(Guid account) =>
        await ChangeAsync(account, (srs, id, token) => srs.ApproveAsync(id, token), "is approved and can sign in");

    public async Task OnPostRegisterClientAsync()
    {
        if ((await validator.ValidateAsync(Form)).AddTo(ModelState, nameof(Form)) && await RegisterClientAsync())
        {
            Notice = $"The system client {Form.ClientId} is registered; it signs in with its private key for the scopes {Form.Scopes}.";
            ModelState.Clear();
            Form = new SystemClientForm();
        }

        await LoadAsync();
    }

    private async Task ChangeAsync(Guid account, Func<SrsClient, string, string, Task> change, string outcome)
    {
        var admin = current.User;
        var token = await admin.GetSrsAccessTokenAsync();
        var entry = await admin.Srs.FindUserAsync(account.ToString(), token);
        if (entry is null || !AccountRoles.Professional.Contains(entry.Role))
        {
            Problem = "There is no professional account like that any more.";
        }
        else
        {
            try
            {
                await change(admin.Srs, entry.UserId.ToString(), token);
                Notice = $"{entry.Username} {outcome}.";
            }
            catch (SrsRequestException refused) when ((int)refused.Status is >= 400 and < 500)
            {
                Problem = $"The key server refused the change for {entry.Username} ({refused.Title ?? refused.Status.ToString()}).";
            }
        }

        await LoadAsync();
    }

    private async Task<bool> RegisterClientAsync()
    {
        var admin = current.User;
        var token = await admin.GetSrsAccessTokenAsync();
        var account = await admin.Srs.FindByUsernameAsync(Form.ServiceAccount, token);
        var accountField = $"{nameof(Form)}.{nameof(Form.ServiceAccount)}";
        if (account is null)
        {
            ModelState.AddModelError(accountField, $"Nobody is registered as {Form.ServiceAccount}.");
            return false;
        }

        if (account.Status != "active" || account.Role is SrsRoles.Patient or SrsRoles.Admin)
        {
            ModelState.AddModelError(accountField, "A system acts for an active account that is neither a patient nor an admin (an insurer's or a practice's service account).");
            return false;
        }

        using var jwks = JsonDocument.Parse(Form.Jwks);
        try
        {
            await admin.Srs.RegisterClientAsync(new ClientRegistrationRequest(Form.ClientId, jwks.RootElement.Clone(), account.UserId, Form.ScopeList), token);
            return true;
        }
        catch (SrsRequestException refused) when (refused.Status == HttpStatusCode.Conflict)
        {
            ModelState.AddModelError($"{nameof(Form)}.{nameof(Form.ClientId)}", "This client id is taken; choose another.");
        }
        catch (SrsRequestException refused) when ((int)refused.Status is >= 400 and < 500)
        {
            // The SRS's problem title names the field or the rule (e.g. the JWKS's key size), never a secret.
            ModelState.AddModelError("", $"The key server refused the registration: {refused.Title ?? refused.Status.ToString()}.");
        }

        return false;
    }

    private async Task LoadAsync()
    {
        var admin = current.User;
        var token = await admin.GetSrsAccessTokenAsync();
        var accounts = new List<DirectoryEntryResponse>();
        foreach (var role in AccountRoles.Professional)
        {
            accounts.AddRange(await admin.Srs.FindByRoleAsync(role, token));
        }

        var ordered = accounts.OrderBy(a => a.Username, StringComparer.Ordinal).ToList();
        Waiting = [.. ordered.Where(a => a.Status == "pending")];
        Active = [.. ordered.Where(a => a.Status == "active")];
        Suspended = [.. ordered.Where(a => a.Status == "suspended")];
    }
}

/// <summary>The roles that wait for an admin (API.md); patients and family members are active at once.</summary>
public static class AccountRoles
{
    public static IReadOnlyList<string> Professional { get; } = [SrsRoles.Practitioner, SrsRoles.Pharmacist, SrsRoles.Insurer, SrsRoles.Researcher];
}

/// <summary>
/// A table of accounts with one action per row: a button posting to the page handler of the action's
/// name, or for <see cref="AccountActions.Suspend"/> a link to the page that asks first.
/// </summary>
public sealed record AccountTable(IReadOnlyList<DirectoryEntryResponse> Accounts, string Action, string Caption, string ButtonClass);

public static class AccountActions
{
    public const string Approve = "Approve";

    public const string Suspend = "Suspend";
}
