using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using SeSPHR.Portal.Hosting;
using SeSPHR.Portal.Sessions;

namespace SeSPHR.Portal.Pages.Session;

/// <summary>
/// The signed-in person's session: who they are here, their key fingerprint (what a patient
/// compares before sharing with them) and when the session and its keys in memory end.
/// </summary>
public sealed class IndexModel(CurrentUser current, KeySessions sessions, IOptions<PortalOptions> options) : PageModel
{
    public string Username { get; private set; } = "";

    public string Role { get; private set; } = "";

    public string Fingerprint { get; private set; } = "";

    /// <summary>The idle limit in words ("20 minutes"; seconds for a limit under a minute).</summary>
    public string IdleLimit => options.Value.IdleTimeout >= TimeSpan.FromMinutes(1)
        ? $"{(int)options.Value.IdleTimeout.TotalMinutes} minutes"
        : $"{(int)options.Value.IdleTimeout.TotalSeconds} seconds";

    public DateTimeOffset EndsAtLatest { get; private set; }

    public void OnGet()
    {
        var user = current.User;
        Username = user.Username;
        Role = current.Role;
        Fingerprint = user.Keys.Fingerprint.ToString();
        EndsAtLatest = sessions.StartedAt(PortalClaims.SessionIdOf(User)) + options.Value.AbsoluteTimeout;
    }
}
