using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using SeSPHR.Client.Accounts;
using SeSPHR.Contracts;

namespace SeSPHR.Portal.Sessions;

/// <summary>Starts and ends a portal session: keys into <see cref="KeySessions"/>, an opaque id into the cookie.</summary>
public static class PortalSignIn
{
    public static async Task StartAsync(HttpContext http, KeySessions sessions, PhrUser user)
    {
        var id = sessions.Open(user);
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, user.Username),
                new Claim(PortalClaims.SessionId, id),
                new Claim(PortalClaims.Role, user.Role),
                new Claim(PortalClaims.FhirUser, user.FhirUser),
            ],
            CookieAuthenticationDefaults.AuthenticationScheme,
            ClaimTypes.Name,
            PortalClaims.Role);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
    }

    public static async Task EndAsync(HttpContext http, KeySessions sessions)
    {
        sessions.Close(PortalClaims.SessionIdOf(http.User));
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }

    /// <summary>The page each role starts on.</summary>
    public static string HomeOf(string role) => role switch
    {
        SrsRoles.Patient => "/Record",
        SrsRoles.Admin => "/Admin",
        _ => "/Patients",
    };
}
