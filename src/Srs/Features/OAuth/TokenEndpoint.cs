using System.Text.Json;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using SeSPHR.Srs.Features.Accounts;
using SeSPHR.Srs.Security;
using SeSPHR.Srs.Storage;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace SeSPHR.Srs.Features.OAuth;

/// <summary>
/// <c>/connect/token</c> after OpenIddict has authenticated the client (PKCE verifier, client secret
/// or private-key JWT assertion) and validated the code or refresh token. Every issue re-reads the
/// account, so a suspended user's refresh is refused and a token always carries current claims.
/// </summary>
public static class TokenEndpoint
{
    public const string ServiceUserProperty = "sesphr_user_id";

    public static async Task<IResult> ExchangeAsync(
        HttpContext http, SrsDbContext db, TokenPrincipals principals, IOpenIddictApplicationManager applications)
    {
        var request = http.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("OpenIddict did not handle this token request.");

        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            var granted = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            var account = AccountEndpoints.UserIdOf(granted.Principal!) is { } userId
                ? await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == userId, http.RequestAborted)
                : null;
            if (account is not { IsActive: true })
                return AuthorizeEndpoint.Refuse(Errors.InvalidGrant, "The account is no longer active.");
            var scopes = granted.Principal!.GetScopes();
            // A grant from before audiences were separated may mix both kinds: its holder signs in again.
            if (SmartScopes.AudienceOf(scopes) is null)
                return AuthorizeEndpoint.Refuse(Errors.InvalidGrant, AuthorizeEndpoint.MixedScopes);
            return SignIn(principals.ForUser(account, scopes), TokenPrincipals.PatientContext(account, scopes));
        }

        if (request.IsClientCredentialsGrantType())
        {
            var requested = request.GetScopes();
            if (request.ClientId == SrsAuthorization.FhirServiceClientId)
            {
                if (requested.Any(s => !SmartScopes.FhirServiceScopes.Contains(s)))
                    return AuthorizeEndpoint.Refuse(Errors.InvalidScope, "The FhirServer's client may ask only srs.reencrypt and srs.revoke.");
                var scopes = requested.IsEmpty ? SmartScopes.FhirServiceScopes.ToArray() : requested.ToArray();
                return SignIn(TokenPrincipals.ForFhirService(request.ClientId, scopes), patient: null);
            }

            var application = await applications.FindByClientIdAsync(request.ClientId!, http.RequestAborted)
                ?? throw new InvalidOperationException("OpenIddict authenticated a client it cannot find.");
            var properties = await applications.GetPropertiesAsync(application, http.RequestAborted);
            var serviceAccount = properties.TryGetValue(ServiceUserProperty, out var value) &&
                                 value.ValueKind == JsonValueKind.String && Guid.TryParse(value.GetString(), out var serviceUserId)
                ? await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == serviceUserId, http.RequestAborted)
                : null;
            if (serviceAccount is not { IsActive: true })
                return AuthorizeEndpoint.Refuse(Errors.InvalidGrant, "The client's service account is not active.");

            var allowed = (await applications.GetPermissionsAsync(application, http.RequestAborted))
                .Where(p => p.StartsWith(Permissions.Prefixes.Scope, StringComparison.Ordinal))
                .Select(p => p[Permissions.Prefixes.Scope.Length..])
                .ToArray();
            if (requested.Any(s => !allowed.Any(a => SmartScopes.Covers(a, s))))
                return AuthorizeEndpoint.Refuse(Errors.InvalidScope, "A requested scope was not registered for this client.");
            var granted = requested.IsEmpty ? allowed : requested.ToArray();
            if (SmartScopes.AudienceOf(granted) is null)
                return AuthorizeEndpoint.Refuse(Errors.InvalidScope, AuthorizeEndpoint.MixedScopes);
            return SignIn(principals.ForUser(serviceAccount, granted), patient: null);
        }

        return AuthorizeEndpoint.Refuse(Errors.UnsupportedGrantType, "This grant type is not supported.");
    }

    private static IResult SignIn(System.Security.Claims.ClaimsPrincipal principal, string? patient)
    {
        var properties = new AuthenticationProperties();
        if (patient is not null)
            properties.Parameters["patient"] = patient;
        return Results.SignIn(principal, properties, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }
}
