using Microsoft.Extensions.Options;
using OpenIddict.Server;
using SeSPHR.Srs.Security;
using SeSPHR.Srs.Storage;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace SeSPHR.Srs.Features.OAuth;

/// <summary>
/// OpenIddict as the SRS's OAuth 2.0 / SMART server and as the validator of its own API, the login
/// cookie that <c>/connect/authorize</c> reads; the keys come from <see cref="ServerKeySetup.AddServerKeys"/>.
/// </summary>
public static class OAuthSetup
{
    public const string LoginScheme = "SrsLogin";
    public const string LoginCookieName = "sesphr.srs.login";
    public const string FhirAudience = "sesphr-fhir";
    public const string SrsAudience = "sesphr-srs";

    public static IServiceCollection AddSrsOAuth(this IServiceCollection services)
    {
        services.AddAuthentication()
            .AddCookie(LoginScheme, options =>
            {
                options.Cookie.Name = LoginCookieName;
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.LoginPath = "/account/login";
                options.ExpireTimeSpan = TimeSpan.FromMinutes(30);
                options.SlidingExpiration = false;
            });

        services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<SrsDbContext>())
            .AddServer(server =>
            {
                server.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetJsonWebKeySetEndpointUris(".well-known/jwks")
                    .SetConfigurationEndpointUris(".well-known/openid-configuration");
                server.AllowAuthorizationCodeFlow().AllowRefreshTokenFlow().AllowClientCredentialsFlow();
                server.RequireProofKeyForCodeExchange();
                server.SetAccessTokenLifetime(TimeSpan.FromMinutes(15));
                server.DisableAccessTokenEncryption();
                // SMART resource scopes are patterns, not a finite list: the endpoints check them (SmartScopes).
                server.DisableScopeValidation();
                server.IgnoreScopePermissions();
                server.RegisterScopes(
                    SmartScopes.OpenId, SmartScopes.FhirUser, SmartScopes.OfflineAccess, SmartScopes.LaunchPatient,
                    SrsScopes.Account, SrsScopes.Grants, SrsScopes.Reencrypt, SrsScopes.Revoke,
                    "patient/*.rs", "user/*.cruds", "system/*.rs");
                server.RegisterClaims(Claims.Subject, SrsClaims.FhirUser, SrsClaims.Role, SrsClaims.KeyFingerprint);
                server.AcceptSmartClientAssertions();
                server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    // Loopback HTTP in this deployment; TLS belongs to the reverse proxy in front.
                    .DisableTransportSecurityRequirement();
            })
            .AddValidation(validation =>
            {
                // JWT access tokens checked locally (key, issuer, audience, expiry): token-entry and
                // authorization-entry validation stay off, so no API request reads the token tables.
                // A revoked token therefore lives until it expires (15 min); API.md says so, and the
                // user policies still read the account's status per request (SrsAuthorization).
                validation.UseLocalServer();
                validation.UseAspNetCore();
                // Only tokens issued for the SRS: a FhirServer token (audience sesphr-fhir alone) is a 401 here.
                validation.AddAudiences(SrsAudience);
            });

        services.AddOptions<OpenIddictServerOptions>()
            .Configure<IOptions<SrsOptions>>((server, srs) =>
            {
                if (srs.Value.Issuer is { } issuer)
                    server.Issuer = issuer;
            })
            .PostConfigure(server =>
            {
                // PKCE with S256 only: "plain" would let a stolen code be redeemed with the challenge itself.
                server.CodeChallengeMethods.Clear();
                server.CodeChallengeMethods.Add(CodeChallengeMethods.Sha256);
            });
        services.AddScoped<ClientSeeder>();
        services.AddScoped<TokenPrincipals>();
        return services;
    }

    public static IEndpointRouteBuilder MapOAuth(this IEndpointRouteBuilder app)
    {
        app.MapPost("/account/login", LoginEndpoint.LoginAsync)
            .AllowAnonymous().RequireAddressLimit(SrsRateLimits.Login).WithTags("Login");
        app.MapMethods("/connect/authorize", [HttpMethods.Get, HttpMethods.Post], AuthorizeEndpoint.AuthorizeAsync)
            .AllowAnonymous().RequireAddressLimit(SrsRateLimits.Authorize).ExcludeFromDescription();
        app.MapPost("/connect/token", TokenEndpoint.ExchangeAsync)
            .AllowAnonymous().RequireAddressLimit(SrsRateLimits.Token).ExcludeFromDescription();
        app.MapPost("/api/clients", ClientRegistration.RegisterAsync)
            .RequireAuthorization(SrsPolicies.Admin).WithTags("Clients");
        return app;
    }
}
