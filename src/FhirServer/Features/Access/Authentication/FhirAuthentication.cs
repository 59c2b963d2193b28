using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using SeSPHR.FhirServer.Http;

namespace SeSPHR.FhirServer.Features.Access.Authentication;

/// <summary>
/// Bearer tokens issued by the SRS (JwtBearer against its discovery document and JWKS, both cached
/// by the configuration manager, which keeps the last keys it fetched while the SRS is down), and the
/// gate in front of the FHIR API: every request but discovery (<c>/metadata</c>,
/// <c>/.well-known/smart-configuration</c>) needs a valid token when <c>Fhir:Auth:Required</c>. A
/// token must be for this server alone (its only audience <c>Fhir:Auth:Audience</c>: an SRS token is
/// refused), and no user token is accepted while the SRS's list of suspended accounts is not current
/// (503, <see cref="Srs.WithdrawnAccounts.IsCurrent"/>).
/// </summary>
public static partial class FhirAuthentication
{
    public static IServiceCollection AddFhirAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(FhirAuthOptions.Section).Get<FhirAuthOptions>() ?? new FhirAuthOptions();
        services.Configure<FhirAuthOptions>(configuration.GetSection(FhirAuthOptions.Section));
        services.Configure<FhirAccessOptions>(configuration.GetSection(FhirAccessOptions.Section));
        if (options.Required && string.IsNullOrWhiteSpace(options.Authority))
        {
            throw new InvalidOperationException(
                "Fhir:Auth:Authority is not set: the FhirServer validates the SRS's access tokens and needs the SRS base URL "
                + "(Fhir__Auth__Authority). Only a plain FHIR test configuration may run without it, with Fhir:Auth:Required=false.");
        }

        services.AddSingleton<SigningKeyRefetch>();
        services.TryAddSingleton(TimeProvider.System);
        var authentication = services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme);
        if (!string.IsNullOrWhiteSpace(options.Authority))
        {
            authentication.AddJwtBearer(JwtBearerDefaults.AuthenticationScheme, jwt =>
            {
                jwt.Authority = options.Authority.TrimEnd('/');
                jwt.Audience = options.Audience;
                jwt.RequireHttpsMetadata = options.HttpsMetadataRequired();
                jwt.MapInboundClaims = false;
                // Tokens live 15 minutes; the default 5 minutes of skew would stretch that by a third.
                jwt.TokenValidationParameters.ClockSkew = TimeSpan.FromSeconds(30);
                jwt.TokenValidationParameters.NameClaimType = SrsClaims.Subject;
                jwt.TokenValidationParameters.ValidateIssuer = true;
                jwt.TokenValidationParameters.ValidateAudience = true;
                jwt.TokenValidationParameters.ValidateLifetime = true;
                jwt.TokenValidationParameters.RequireExpirationTime = true;
                jwt.TokenValidationParameters.RequireSignedTokens = true;
                // The gate below answers 401 itself, as an OperationOutcome.
                jwt.Events = new JwtBearerEvents
                {
                    OnChallenge = context => { context.HandleResponse(); return System.Threading.Tasks.Task.CompletedTask; },
                    OnAuthenticationFailed = context => context.HttpContext.RequestServices.GetRequiredService<SigningKeyRefetch>().RetryWithFreshKeysAsync(context),
                };
            });
        }

        services.AddHealthChecks().AddCheck<SuspendedAccountsHealthCheck>("suspended-accounts");
        return services;
    }

    /// <summary>Authentication, the 401 gate and the caller of each FHIR request; after the error middleware.</summary>
    public static IApplicationBuilder UseFhirAuthentication(this WebApplication app)
    {
        var auth = app.Services.GetRequiredService<IOptions<FhirAuthOptions>>().Value;
        var check = app.Services.GetRequiredService<IOptions<FhirAccessOptions>>().Value;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(FhirAuthentication).FullName!);
        if (!check.ConsentCheck)
        {
            LogConsentCheckOff(logger);
        }

        if (!auth.Required)
        {
            LogAuthOff(logger);
        }

        var hasScheme = !string.IsNullOrWhiteSpace(auth.Authority);
        var withdrawn = app.Services.GetRequiredService<Srs.WithdrawnAccounts>();
        if (hasScheme)
        {
            app.UseAuthentication();
        }

        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments(FhirRequest.BasePath, out var rest) || IsOpen(rest))
            {
                await next(context);
                return;
            }

            var access = context.RequestServices.GetRequiredService<Access.RequestAccess>();
            var presented = context.Request.Headers.Authorization.Count > 0;
            if (context.User.Identity?.IsAuthenticated == true)
            {
                var (caller, scopes, problem) = CallerClaims.Read(context.User);
                if (caller is null || !IsForThisServerAlone(context.User, auth.Audience))
                {
                    await ChallengeAsync(context, problem ?? "The access token is not for this server alone (aud).", invalidToken: true);
                    return;
                }

                if (!withdrawn.IsCurrent)
                {
                    await RefuseUntilListIsCurrentAsync(context, withdrawn.RetryAfterSeconds);
                    return;
                }

                if (withdrawn.IsWithdrawn(caller.UserId, IssuedAt(context.User)))
                {
                    await ChallengeAsync(context, "The account this access token was issued to is suspended.", invalidToken: true);
                    return;
                }

                access.SignIn(caller, scopes, context.TraceIdentifier);
            }
            else if (auth.Required || (presented && hasScheme))
            {
                await ChallengeAsync(context, presented
                    ? "The access token is not valid (signature, issuer, audience or lifetime)."
                    : "This FHIR server needs an access token from the SRS (Authorization: Bearer).", presented);
                return;
            }
            else
            {
                access.Anonymous(context.TraceIdentifier);
            }

            await next(context);
        });
        return app;
    }

    /// <summary>The token's <c>iat</c> (seconds since the epoch), or null when it carries none.</summary>
    private static DateTimeOffset? IssuedAt(System.Security.Claims.ClaimsPrincipal user) =>
        long.TryParse(user.FindFirst("iat")?.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    /// <summary>
    /// Whether every <c>aud</c> of the token is this server's: JwtBearer accepts a token naming this
    /// server among others, but a token that is also good at the SRS must never be handed to the
    /// FhirServer, so one that shows it was is refused.
    /// </summary>
    private static bool IsForThisServerAlone(System.Security.Claims.ClaimsPrincipal user, string audience) =>
        user.FindAll("aud").All(claim => string.Equals(claim.Value, audience, StringComparison.Ordinal));

    /// <summary>Discovery stays open: a client learns there where to get a token.</summary>
    private static bool IsOpen(PathString rest) =>
        rest.Equals("/metadata", StringComparison.Ordinal)
        || rest.Equals("/.well-known/smart-configuration", StringComparison.Ordinal);

    private static System.Threading.Tasks.Task ChallengeAsync(HttpContext context, string diagnostics, bool invalidToken)
    {
        context.Response.Clear();
        context.Response.Headers.WWWAuthenticate = invalidToken ? "Bearer error=\"invalid_token\"" : "Bearer";
        return WriteAsync(context, StatusCodes.Status401Unauthorized, FhirException.OutcomeOf(OperationOutcome.IssueType.Login, diagnostics, null));
    }

    /// <summary>
    /// 503, not 401: the token may well be good, but without a current list of suspended accounts
    /// this server cannot tell, so the client is told to come back rather than to sign in again.
    /// </summary>
    private static System.Threading.Tasks.Task RefuseUntilListIsCurrentAsync(HttpContext context, string retryAfterSeconds)
    {
        context.Response.Clear();
        context.Response.Headers.RetryAfter = retryAfterSeconds;
        return WriteAsync(context, StatusCodes.Status503ServiceUnavailable, FhirException.OutcomeOf(OperationOutcome.IssueType.Transient,
            "This server cannot check access tokens yet: the SRS's list of suspended accounts is not available. Try again shortly.", null));
    }

    private static async System.Threading.Tasks.Task WriteAsync(HttpContext context, int status, OperationOutcome outcome)
    {
        try
        {
            await FhirResult.Of(status, outcome).ExecuteAsync(context);
        }
        catch (FhirException)
        {
            // An unknown _format: answer in JSON.
            context.Request.QueryString = QueryString.Empty;
            context.Request.Headers.Accept = FhirFormats.JsonMediaType;
            await FhirResult.Of(status, outcome).ExecuteAsync(context);
        }
    }

    /// <summary>The SRS's OpenID configuration as JwtBearer cached it (null when none is configured or it was never reachable).</summary>
    public static async Task<OpenIdConnectConfiguration?> SrsConfigurationAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var jwt = services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);
        if (jwt.ConfigurationManager is not IConfigurationManager<OpenIdConnectConfiguration> manager)
        {
            return null;
        }

        try
        {
            return await manager.GetConfigurationAsync(cancellationToken);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fhir:Access:ConsentCheck is OFF: Consent does not filter what signed-in callers see or write; only the SRS stands between them and the data. Never run a deployment like this.")]
    private static partial void LogConsentCheckOff(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fhir:Auth:Required is OFF: anonymous FHIR requests are accepted. This is the plain FHIR test configuration, not a deployment.")]
    private static partial void LogAuthOff(ILogger logger);
}
