using FluentValidation;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Errors;
using SeSPHR.Client.Grants;
using SeSPHR.Contracts;
using SeSPHR.Contracts.Grants;
using SeSPHR.Crypto.Grants;
using SeSPHR.Portal.Forms;
using SeSPHR.Portal.Sessions;
using SeSPHR.Portal.Times;

namespace SeSPHR.Portal.Pages.Sharing;

/// <summary>
/// The patient decides who sees which part: a grant to one person (after comparing their key
/// fingerprint) or to every member of a role, the current grants with their revocation, and the
/// members of granted roles waiting for approval. Every visit first finishes what an earlier grant
/// or revocation left half-done and ends access that expired or whose holder left, as the CLI's
/// <c>sesphr grants</c> does.
/// </summary>
[Authorize(Roles = SrsRoles.Patient)]
public sealed class IndexModel(CurrentUser current, PortalJournals journals, GrantLocks locks, IValidator<GrantForm> validator, ReaderTimeZone zone) : PageModel
{
    private const string KeyServerDown = "The key server is not reachable, so nothing was shared. Try again in a moment.";

    private const string RecordServerDown = "The record server is not reachable, so nothing was shared. Try again in a moment.";

    [BindProperty]
    public GrantForm Form { get; set; } = new();

    public IReadOnlyList<GrantRow> Grants { get; private set; } = [];

    public IReadOnlyList<PendingMemberResponse> Pending { get; private set; } = [];

    /// <summary>Set when the directory's fingerprint of <see cref="GrantForm.Username"/> is shown for comparison.</summary>
    public bool ShowFingerprint { get; private set; }

    public string? Notice { get; private set; }

    /// <summary>Why part of the page could not be brought up to date (a server that did not answer).</summary>
    public string? Problem { get; private set; }

    public async Task OnGetAsync(string? done = null)
    {
        Notice = done switch
        {
            "granted" => "The grant is in place.",
            "revoked" => "The grant is revoked. The parts it covered are locked with new keys, so the former grantee cannot read what you add from now on.",
            "approved" => "The member is approved and can now read what the role was granted.",
            _ => null,
        };
        using var held = await locks.HoldAsync(current.User.RequireUserId, HttpContext.RequestAborted);
        var grants = Open();
        await FinishEarlierWorkAsync(grants);
        await LoadAsync(grants);
    }

    public async Task<IActionResult> OnPostAsync()
    {
        using var held = await locks.HoldAsync(current.User.RequireUserId, HttpContext.RequestAborted);
        var grants = Open();
        if ((await validator.ValidateAsync(Form)).AddTo(ModelState, nameof(Form)) && await GrantAsync(grants))
        {
            return RedirectToPage(new { done = "granted" });
        }

        await LoadAsync(grants);
        return Page();
    }

    public async Task<IActionResult> OnPostApproveAsync(string consent, Guid member)
    {
        using var held = await locks.HoldAsync(current.User.RequireUserId, HttpContext.RequestAborted);
        var grants = Open();
        var before = UnfinishedWork.Count(grants);
        try
        {
            var approved = await grants.ApprovePendingAsync(m => m.UserId == member && SameConsent(m.ConsentId, consent));
            if (approved.Count > 0)
            {
                return RedirectToPage(new { done = "approved" });
            }

            Problem = "That member is no longer waiting for your approval.";
        }
        catch (GrantingException refused)
        {
            Problem = "The approval could not be finished: " + refused.Message;
        }
        catch (Exception failure) when (failure is SrsUnavailableException or FhirServerUnavailableException)
        {
            Problem = UnfinishedWork.Started(grants, before) ? UnfinishedWork.NotComplete(UnfinishedWork.Approval) : "A server is not reachable, so nobody was approved. Try again in a moment.";
        }

        await LoadAsync(grants);
        return Page();
    }

    private PatientGrants Open() => PatientGrants.Open(current.User, journals.For(current.User));

    private async Task<bool> GrantAsync(PatientGrants grants)
    {
        var before = UnfinishedWork.Count(grants);
        try
        {
            if (Form.Target == GrantTargets.Role)
            {
                await grants.GrantRoleAsync(Form.Role, Form.ReadSections, Form.EndIn(zone), writeSections: Form.WriteSections);
                return true;
            }

            return await GrantToUserAsync(grants);
        }
        catch (Exception failure) when (failure is SrsUnavailableException or FhirServerUnavailableException)
        {
            // Once the journal holds the grant, it is half-done and will be completed; before that, nothing happened.
            if (UnfinishedWork.Started(grants, before))
            {
                // An empty form: the journal completes this grant, and a second click must not make another.
                ModelState.Clear();
                Form = new();
                ModelState.AddModelError("", UnfinishedWork.NotComplete(UnfinishedWork.Grant));
            }
            else
            {
                ModelState.AddModelError("", failure is SrsUnavailableException ? KeyServerDown : RecordServerDown);
            }
        }
        catch (GrantingException refused)
        {
            ModelState.AddModelError("", "The grant could not be made: " + refused.Message);
        }

        return false;
    }

    /// <summary>
    /// A grant to one person happens only after the page showed their key fingerprint from the
    /// directory and the patient confirmed comparing it; the grant is then checked against that
    /// very fingerprint, so keys the directory swapped in between are refused.
    /// </summary>
    private async Task<bool> GrantToUserAsync(PatientGrants grants)
    {
        var patient = current.User;
        var entry = await patient.Srs.FindByUsernameAsync(Form.Username!, await patient.GetSrsAccessTokenAsync());
        var field = $"{nameof(Form)}.{nameof(Form.Username)}";
        if (entry is null)
        {
            ModelState.AddModelError(field, $"Nobody is registered as {Form.Username}. Check the username with the person you share with.");
            return false;
        }

        if (entry.UserId.ToString() == patient.RequireUserId)
        {
            ModelState.AddModelError(field, "That is you: you can always read and write your own record.");
            return false;
        }

        if (entry.Status != "active" || entry.Role == SrsRoles.Admin)
        {
            ModelState.AddModelError(field, $"{Form.Username} cannot be granted access yet: the account is not active (an admin approves professional accounts first).");
            return false;
        }

        var shown = FingerprintText.TryParse(Form.Fingerprint, out var compared);
        var same = shown && string.Equals(compared, entry.Fingerprint, StringComparison.OrdinalIgnoreCase);
        ShowFingerprintOf(entry.Fingerprint, askAgain: !same);
        if (!shown)
        {
            return false;
        }

        if (!same)
        {
            ModelState.AddModelError($"{nameof(Form)}.{nameof(Form.Fingerprint)}",
                $"The key fingerprint of {Form.Username} is not the one shown before. Compare this one with them before you grant.");
            return false;
        }

        if (!Form.FingerprintCompared)
        {
            ModelState.AddModelError($"{nameof(Form)}.{nameof(Form.FingerprintCompared)}",
                "Confirm that you compared the key fingerprint with the one they see; nothing is granted without it.");
            return false;
        }

        await grants.GrantAsync(entry.FhirUser, KeyFingerprint.FromBytes(Convert.FromHexString(compared)), Form.ReadSections, Form.EndIn(zone), Form.WriteSections);
        return true;
    }

    /// <summary>The form shows the directory's fingerprint, whatever was posted; a new one must be confirmed afresh.</summary>
    private void ShowFingerprintOf(string directoryHex, bool askAgain)
    {
        ShowFingerprint = true;
        Form.Fingerprint = FingerprintText.Display(directoryHex);
        ModelState.Remove($"{nameof(Form)}.{nameof(Form.Fingerprint)}");
        if (askAgain)
        {
            Form.FingerprintCompared = false;
        }
    }

    private async Task FinishEarlierWorkAsync(PatientGrants grants)
    {
        try
        {
            var ended = await grants.RunEndsOfAccessAsync();
            if (ended.Any)
            {
                Notice = "Access that ended (a grant past its end date, or a grantee who left) was closed, and the parts it covered are locked with new keys.";
            }
        }
        catch (Exception failure) when (failure is SrsUnavailableException or FhirServerUnavailableException or GrantingException)
        {
            Problem = UnfinishedWork.Count(grants) > 0 ? UnfinishedWork.NotComplete(UnfinishedWork.Earlier)
                : "Access that ended could not be closed yet: the key server or the record server did not answer. It is closed the next time you open this page.";
        }
    }

    private async Task LoadAsync(PatientGrants grants)
    {
        var patient = current.User;
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (var userId in grants.Book.Grantees.Select(g => g.GranteeUserId).Distinct(StringComparer.Ordinal))
            {
                if (await patient.Srs.FindUserAsync(userId, await patient.GetSrsAccessTokenAsync()) is { } entry)
                {
                    names[userId] = entry.Username;
                }
            }

            Pending = await grants.PendingMembersAsync();
        }
        catch (SrsUnavailableException)
        {
            Problem ??= "The key server is not reachable: names and members waiting for approval cannot be shown now.";
        }

        // A grant whose operation is still in the journal may lack its Consent or its kfrags: it is
        // listed as not complete, never as in place, until a run completes it.
        var unfinished = UnfinishedWork.GrantsOf(grants);
        Grants = [.. grants.Book.Current().Select(g => GrantRow.Of(g, g.GranteeUserId is { } id ? names.GetValueOrDefault(id) : null, zone, complete: !unfinished.Contains(g.ConsentId)))];
        if (UnfinishedWork.HasEndsOfAccess(grants))
        {
            Problem ??= UnfinishedWork.NotComplete(UnfinishedWork.Revocation);
        }
    }

    private static bool SameConsent(string a, string b) =>
        string.Equals(a.Replace("Consent/", "", StringComparison.Ordinal), b.Replace("Consent/", "", StringComparison.Ordinal), StringComparison.Ordinal);
}

/// <summary>A current grant as the sharing page lists it.</summary>
public sealed record GrantRow(string ConsentId, string Who, string Parts, string Access, string Until, string? Fingerprint, bool Complete = true)
{
    /// <summary>The row of <paramref name="grant"/>, its last day of access in the reader's zone.</summary>
    public static GrantRow Of(CurrentGrant grant, string? username, ReaderTimeZone zone, bool complete = true)
    {
        ArgumentNullException.ThrowIfNull(grant);
        ArgumentNullException.ThrowIfNull(zone);
        var who = grant.Role is { } role
            ? $"Everyone who is {GrantRoles.LabelOf(role)} ({grant.Members} approved)"
            : username ?? grant.GranteeFhirUser ?? "";
        var access = (grant.Read.Count, grant.Write.Count) switch
        {
            (_, 0) => "Read",
            (0, _) => "Write",
            _ when grant.Read.ToHashSet().SetEquals(grant.Write) => "Read and write",
            _ => $"Read {SectionNames.List(grant.Read)}; write {SectionNames.List(grant.Write)}",
        };
        var until = grant.End is { } end ? $"{zone.Format(end.AddTicks(-1), "yyyy-MM-dd")} (end of day, {zone.Label})" : "No end date";
        return new GrantRow(grant.ConsentId, who, SectionNames.List(grant.Read.Union(grant.Write)), access, until,
            grant.FingerprintHex is { } hex ? FingerprintText.Display(hex) : null, complete);
    }
}
