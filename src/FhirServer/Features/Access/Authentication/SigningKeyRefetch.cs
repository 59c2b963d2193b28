using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace SeSPHR.FhirServer.Features.Access.Authentication;

/// <summary>
/// The SRS replaces its signing key on a schedule and publishes the successor before it signs, but
/// a FhirServer whose cached JWKS predates the successor would refuse every token it signs until the
/// cache expires. A token whose key id is unknown therefore makes the FhirServer fetch the SRS's
/// discovery document and JWKS again, at most once per <see cref="MinimumInterval"/> (tokens naming
/// made-up key ids must not turn into a flood of requests at the SRS), and validate the token again
/// against what it fetched, in the same request.
/// </summary>
public sealed partial class SigningKeyRefetch(TimeProvider time, ILogger<SigningKeyRefetch> logger) : IDisposable
{
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private DateTimeOffset _lastFetch = DateTimeOffset.MinValue;
    private OpenIdConnectConfiguration? _latest;

    /// <summary>For <see cref="JwtBearerEvents.OnAuthenticationFailed"/>: succeeds the request when the token verifies with freshly fetched keys.</summary>
    public async Task RetryWithFreshKeysAsync(AuthenticationFailedContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var header = context.Request.Headers.Authorization.ToString();
        if (context.Exception is not SecurityTokenSignatureKeyNotFoundException || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return;

        var configuration = await LatestAsync(context.Options, context.HttpContext.RequestAborted);
        if (configuration is null)
            return;
        var parameters = context.Options.TokenValidationParameters.Clone();
        parameters.IssuerSigningKeys = configuration.SigningKeys;
        parameters.ValidIssuer ??= configuration.Issuer;
        foreach (var handler in context.Options.TokenHandlers)
        {
            var result = await handler.ValidateTokenAsync(header["Bearer ".Length..].Trim(), parameters);
            if (result.IsValid)
            {
                context.Principal = new ClaimsPrincipal(result.ClaimsIdentity);
                context.Success();
                // The configuration manager's own cache catches up in the background.
                context.Options.ConfigurationManager?.RequestRefresh();
                return;
            }
        }
    }

    private async Task<OpenIdConnectConfiguration?> LatestAsync(JwtBearerOptions options, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            if (now - _lastFetch < MinimumInterval)
                return _latest;
            _lastFetch = now;
            var retriever = new HttpDocumentRetriever(options.Backchannel) { RequireHttps = options.RequireHttpsMetadata };
            _latest = await OpenIdConnectConfigurationRetriever.GetAsync(options.MetadataAddress, retriever, cancellationToken);
            return _latest;
        }
        catch (Exception failure) when (failure is IOException or HttpRequestException or InvalidOperationException or ArgumentException)
        {
            LogFetchFailed(logger, failure.GetType().Name);
            return _latest;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fetching the SRS's signing keys again for an unknown key id failed ({Failure}); the token is refused")]
    private static partial void LogFetchFailed(ILogger logger, string failure);
}
