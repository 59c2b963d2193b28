using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;

namespace SeSPHR.Srs.Security;

/// <summary>
/// The FhirServer's service tokens that OpenIddict already validated, remembered by their exact
/// string until the token's own expiry. A remembered token skips only the repeat of that
/// validation (signature, issuer, audience <c>sesphr-srs</c>, expiry), which is about a sixth of
/// the SRS's CPU per re-encryption call; any other string, a different audience or client
/// included, is validated in full. Only tokens of the FhirServer's client are kept, and at most
/// <see cref="Capacity"/> of them (the FhirServer renews its one token every ~14 minutes), so
/// nobody can fill the memory with tokens of their own.
/// </summary>
public sealed class ServiceTokenCache(TimeProvider clock)
{
    /// <summary>The most tokens remembered at once; past it a new token is still accepted, just validated every time.</summary>
    public const int Capacity = 16;

    private readonly ConcurrentDictionary<string, Remembered> _tokens = new(StringComparer.Ordinal);
    private long _hits;

    /// <summary>Requests answered from the cache so far (for tests and diagnostics).</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>A copy of the principal of a remembered token that has not expired; null otherwise.</summary>
    public ClaimsPrincipal? Find(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (!_tokens.TryGetValue(token, out var remembered))
            return null;
        if (clock.GetUtcNow() >= remembered.Expires)
        {
            _tokens.TryRemove(new KeyValuePair<string, Remembered>(token, remembered));
            return null;
        }

        Interlocked.Increment(ref _hits);
        // A copy per request: nothing a request does to its principal reaches the next one.
        return remembered.Principal.Clone();
    }

    /// <summary>Remembers <paramref name="principal"/>, which OpenIddict validated from <paramref name="token"/>, if it is the FhirServer's and carries its expiry.</summary>
    public void Remember(string token, ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(principal);
        if (!string.Equals(principal.GetClaim(OpenIddictConstants.Claims.ClientId), SrsAuthorization.FhirServiceClientId, StringComparison.Ordinal)
            || principal.GetExpirationDate() is not { } expires)
            return;
        var now = clock.GetUtcNow();
        if (expires <= now)
            return;
        foreach (var (key, entry) in _tokens)
        {
            if (entry.Expires <= now)
                _tokens.TryRemove(new KeyValuePair<string, Remembered>(key, entry));
        }

        if (_tokens.Count < Capacity)
            _tokens.TryAdd(token, new Remembered(principal.Clone(), expires));
    }

    private sealed record Remembered(ClaimsPrincipal Principal, DateTimeOffset Expires);
}

/// <summary>
/// The authentication scheme of the service policies (<see cref="SrsPolicies.Reencrypt"/>,
/// <see cref="SrsPolicies.Revoke"/>): a bearer token found in <see cref="ServiceTokenCache"/> is
/// taken as validated; any other goes through OpenIddict's validation, and a valid FhirServer
/// token is remembered. Challenges and refusals are OpenIddict's own (401 with
/// <c>WWW-Authenticate</c>, 403). The authorization policies still check client and scope on
/// every request, and the re-encryption path still reads its grant records on every call.
/// </summary>
public sealed class ServiceTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ServiceTokenCache cache)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "SrsServiceToken";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = BearerToken(Request);
        if (token is not null && cache.Find(token) is { } remembered)
            return AuthenticateResult.Success(new AuthenticationTicket(remembered, Scheme.Name));

        var result = await Context.AuthenticateAsync(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
        if (!result.Succeeded)
            return result.None ? AuthenticateResult.NoResult() : AuthenticateResult.Fail(result.Failure ?? new InvalidOperationException("The access token was refused."));
        // Only a token that came in the Authorization header is remembered: it is the one OpenIddict read first.
        if (token is not null)
            cache.Remember(token, result.Principal);
        return AuthenticateResult.Success(new AuthenticationTicket(result.Principal, Scheme.Name));
    }

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return null;
        var token = value["Bearer ".Length..].Trim();
        return token.Length > 0 ? token : null;
    }
}
