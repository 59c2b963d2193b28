using System.Security.Claims;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using SeSPHR.Srs.Features.Accounts;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace SeSPHR.Srs.Features.OAuth;

/// <summary>
/// What an access token says about its user, built fresh from the account at every issue (code,
/// refresh, client credentials): <c>sub</c> = user id, absolute <c>fhirUser</c>, role, key fingerprint,
/// the granted scopes, and the one audience those scopes are for (<see cref="SmartScopes.AudienceOf"/>):
/// <c>sesphr-fhir</c> or <c>sesphr-srs</c>, never both. A refresh re-issues the grant's own scopes, so
/// it can never widen the audience either.
/// </summary>
public sealed class TokenPrincipals(IOptions<SrsOptions> options)
{
    public ClaimsPrincipal ForUser(Account account, IEnumerable<string> scopes)
    {
        ArgumentNullException.ThrowIfNull(account);
        var granted = scopes.ToArray();
        var audience = SmartScopes.AudienceOf(granted)
            ?? throw new InvalidOperationException("A token's scopes must be all for the FhirServer or all for the SRS; the endpoints refuse a mix before this.");
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, account.Id.ToString())
            .SetClaim(Claims.Name, account.Username)
            .SetClaim(SrsClaims.FhirUser, options.Value.AbsoluteFhirUser(account.FhirUser))
            .SetClaim(SrsClaims.Role, account.Role)
            .SetClaim(SrsClaims.KeyFingerprint, account.Fingerprint);
        identity.SetScopes(granted);
        identity.SetAudiences(audience);
        identity.SetDestinations(claim => claim.Type is Claims.Subject or SrsClaims.FhirUser && identity.HasScope(Scopes.OpenId)
            ? [Destinations.AccessToken, Destinations.IdentityToken]
            : [Destinations.AccessToken]);
        return new ClaimsPrincipal(identity);
    }

    /// <summary>The FhirServer's own service client: no user, audience <c>sesphr-srs</c> only.</summary>
    public static ClaimsPrincipal ForFhirService(string clientId, IEnumerable<string> scopes)
    {
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, clientId);
        identity.SetScopes(scopes);
        identity.SetAudiences(OAuthSetup.SrsAudience);
        identity.SetDestinations(_ => [Destinations.AccessToken]);
        return new ClaimsPrincipal(identity);
    }

    /// <summary>The id part of a patient's <c>fhirUser</c> (<c>Patient/p1</c> → <c>p1</c>).</summary>
    public static string? PatientContext(Account account, IEnumerable<string> scopes) =>
        account.Role == SrsRoles.Patient && scopes.Contains(SmartScopes.LaunchPatient, StringComparer.Ordinal)
            ? account.FhirUser[(account.FhirUser.IndexOf('/', StringComparison.Ordinal) + 1)..]
            : null;
}
