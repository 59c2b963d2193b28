using SeSPHR.Client.Accounts;
using SeSPHR.Client.Errors;

namespace SeSPHR.Portal.Sessions;

/// <summary>The signed-in person of this request, with their keys from <see cref="KeySessions"/>.</summary>
public sealed class CurrentUser(IHttpContextAccessor http, KeySessions sessions)
{
    /// <summary>The session's user; pages behind authorisation only ever see a live one (the cookie check drops ended sessions).</summary>
    public PhrUser User => sessions.Find(PortalClaims.SessionIdOf(http.HttpContext!.User))
        ?? throw new NotSignedInException("The session ended; sign in again.");

    public string Role => PortalClaims.RoleOf(http.HttpContext!.User);
}
