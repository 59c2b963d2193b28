using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using SeSPHR.Srs.Features.Accounts;
using SeSPHR.Srs.Storage;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace SeSPHR.Srs.Features.OAuth;

/// <summary>
/// <c>/connect/authorize</c> after OpenIddict has checked the client, redirect URI and PKCE: sends a
/// caller without the login cookie to the login page, refuses accounts that are not active and
/// requests that mix FhirServer and SRS scopes, and issues the code for the scopes this user may have.
/// </summary>
public static class AuthorizeEndpoint
{
    internal const string MixedScopes =
        "A token is for the FhirServer or for the SRS, never both: ask for FHIR scopes and srs.* scopes in separate requests.";

    public static async Task<IResult> AuthorizeAsync(HttpContext http, SrsDbContext db, TokenPrincipals principals)
    {
        var request = http.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("OpenIddict did not handle this authorization request.");

        var login = await http.AuthenticateAsync(OAuthSetup.LoginScheme);
        if (!login.Succeeded || AccountEndpoints.UserIdOf(login.Principal) is not { } userId)
        {
            var query = http.Request.HasFormContentType ? QueryString.Create(http.Request.Form) : http.Request.QueryString;
            return Results.Challenge(
                new AuthenticationProperties { RedirectUri = http.Request.PathBase + http.Request.Path + query },
                [OAuthSetup.LoginScheme]);
        }

        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == userId, http.RequestAborted);
        if (account is not { IsActive: true })
            return Refuse(Errors.AccessDenied, "The account is not active.");

        var requested = request.GetScopes();
        if (requested.FirstOrDefault(s => !SmartScopes.IsKnown(s)) is not null)
            return Refuse(Errors.InvalidScope, "A requested scope is not one the SRS knows.");
        if (SmartScopes.AudienceOf(requested) is null)
            return Refuse(Errors.InvalidScope, MixedScopes);

        return Results.SignIn(
            principals.ForUser(account, GrantableToUser(account, requested)),
            authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>
    /// What a signed-in user may hold: OpenID/SMART launch scopes, patient and user resource scopes,
    /// and srs.grants for patients. System and service scopes are never granted to a user.
    /// </summary>
    internal static IEnumerable<string> GrantableToUser(Account account, IEnumerable<string> requested) =>
        requested.Where(scope => scope switch
        {
            SrsScopes.Grants => account.Role == SrsRoles.Patient,
            _ when SmartScopes.UserScopes.Contains(scope) => true,
            _ => SmartScopes.ParseResource(scope) is { Context: "patient" or "user" },
        }).Distinct(StringComparer.Ordinal);

    internal static IResult Refuse(string error, string description) =>
        Results.Forbid(
            new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
            }),
            [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
