using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace SeSPHR.Srs.Features.OAuth;

/// <summary>
/// Private-key JWT client assertions as SMART Backend Services clients send them (header
/// <c>typ: JWT</c>, <c>aud</c> = the token endpoint URL), accepted beside OpenIddict 7's own form
/// (<c>typ: client-authentication+jwt</c>, <c>aud</c> = the issuer). OpenIddict keeps every other
/// check: the signature is verified only against the JWKS registered for the client named by
/// <c>iss</c>, <c>iss == sub == client_id</c>, exactly one <c>aud</c>, <c>exp</c> required and not past.
/// These handlers add what SMART asks on top: the key named by <c>kid</c> must be one the client
/// registered, the algorithm is ES256, ES384 or RS384, <c>exp</c> is at most five minutes ahead, and a
/// <c>jti</c> is accepted once (OpenIddict does not remember assertion ids; <see cref="ClientAssertionUses"/> does).
/// </summary>
public static class SmartClientAssertions
{
    /// <summary>How far ahead <c>exp</c> may be (SMART: "no more than five minutes in the future").</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(5);

    /// <summary>Tolerated difference between the client's clock and ours, on both ends of the lifetime.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    public const int MaxJwtIdLength = 200;

    public static readonly IReadOnlyList<string> Algorithms =
        [SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.RsaSha384];

    // SMART's generic "JWT" and RFC 7523bis's explicit type; an assertion with no typ at all is refused.
    private static readonly string[] AcceptedTypes =
    [
        JsonWebTokenTypes.GenericJsonWebToken,
        JsonWebTokenTypes.Prefixes.Application + JsonWebTokenTypes.GenericJsonWebToken,
        JsonWebTokenTypes.ClientAuthentication,
        JsonWebTokenTypes.Prefixes.Application + JsonWebTokenTypes.ClientAuthentication,
    ];

    public static OpenIddictServerBuilder AcceptSmartClientAssertions(this OpenIddictServerBuilder server)
    {
        ArgumentNullException.ThrowIfNull(server);
        server.AddEventHandler(WidenAssertionValidation.Descriptor);
        server.AddEventHandler(TypeAsClientAssertion.Descriptor);
        server.AddEventHandler(CheckLifetimeAndSpendJwtId.Descriptor);
        server.Services.AddScoped<ClientAssertionUses>();
        return server;
    }

    private static bool IsClientAssertion(ValidateTokenContext context) =>
        context.ValidTokenTypes.Count == 1 && context.ValidTokenTypes.Contains(TokenTypeIdentifiers.Private.ClientAssertion);

    /// <summary>
    /// Runs after OpenIddict has made the client-assertion validation parameters (keys from the
    /// client's JWKS) and before the token is checked: adds SMART's typ and audience, narrows the
    /// keys to the one <c>kid</c> names and the algorithms to SMART's.
    /// </summary>
    public sealed class WidenAssertionValidation : IOpenIddictServerHandler<ValidateTokenContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
            OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
                .UseSingletonHandler<WidenAssertionValidation>()
                .SetOrder(OpenIddictServerHandlers.Protection.ResolveTokenValidationParameters.Descriptor.Order + 500)
                .SetType(OpenIddictServerHandlerType.Custom)
                .Build();

        public ValueTask HandleAsync(ValidateTokenContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            if (!IsClientAssertion(context) || context.TokenValidationParameters is not { } parameters)
                return ValueTask.CompletedTask;

            parameters.ValidTypes = AcceptedTypes;
            parameters.TypeValidator = (type, _, _) =>
                AcceptedTypes.Contains(type, StringComparer.OrdinalIgnoreCase)
                    ? type
                    : throw new SecurityTokenInvalidTypeException("The client assertion's typ is not accepted.") { InvalidType = type };
            parameters.ValidAlgorithms = Algorithms;
            parameters.ClockSkew = ClockSkew;
            parameters.TryAllIssuerSigningKeys = false;

            // Without a kid, or with one the client did not register, there is no key: a rotated-out
            // or foreign key never gets tried just because the JWKS has another key of the same type.
            if (parameters.IssuerSigningKeyResolver is { } fromJwks)
            {
                parameters.IssuerSigningKeyResolver = (token, securityToken, kid, validation) =>
                    string.IsNullOrEmpty(kid)
                        ? []
                        : fromJwks(token, securityToken, kid, validation)
                            .Where(key => string.Equals(key.KeyId, kid, StringComparison.Ordinal))
                            .ToArray();
            }

            foreach (var audience in TokenEndpointAudiences(context))
                context.ValidAudiences.Add(audience);
            return ValueTask.CompletedTask;
        }

        /// <summary>
        /// The token endpoint's absolute URL under the configured issuer, or, when none is
        /// configured, under the URL the request came in on (the same base OpenIddict then uses as
        /// its issuer and in discovery).
        /// </summary>
        private static IEnumerable<string> TokenEndpointAudiences(ValidateTokenContext context)
        {
            if ((context.Options.Issuer ?? context.BaseUri) is not { IsAbsoluteUri: true } root)
                yield break;
            var rootWithSlash = root.AbsoluteUri.EndsWith('/') ? root : new Uri(root.AbsoluteUri + "/");
            foreach (var endpoint in context.Options.TokenEndpointUris)
            {
                var absolute = endpoint.IsAbsoluteUri ? endpoint : new Uri(rootWithSlash, endpoint.OriginalString.TrimStart('/'));
                yield return absolute.AbsoluteUri;
            }
        }
    }

    /// <summary>
    /// OpenIddict reads a <c>typ: JWT</c> token as an identity token; once it has passed as a
    /// client assertion (signed by a key of the client's own JWKS, never by the SRS's), it is one.
    /// </summary>
    public sealed class TypeAsClientAssertion : IOpenIddictServerHandler<ValidateTokenContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
            OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
                .UseSingletonHandler<TypeAsClientAssertion>()
                .SetOrder(OpenIddictServerHandlers.Protection.ValidateIdentityModelToken.Descriptor.Order + 500)
                .SetType(OpenIddictServerHandlerType.Custom)
                .Build();

        public ValueTask HandleAsync(ValidateTokenContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            if (IsClientAssertion(context) && context.Principal is { } principal &&
                context.TokenValidationResult?.TokenType is { } type &&
                AcceptedTypes.Contains(type, StringComparer.OrdinalIgnoreCase))
                principal.SetTokenType(TokenTypeIdentifiers.Private.ClientAssertion);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>
    /// After OpenIddict has accepted the assertion and matched <c>iss</c>/<c>sub</c> to the client:
    /// refuses an <c>exp</c> more than five minutes ahead and a <c>jti</c> that is missing or already spent.
    /// </summary>
    public sealed class CheckLifetimeAndSpendJwtId(ClientAssertionUses uses) : IOpenIddictServerHandler<ProcessAuthenticationContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
            OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
                .AddFilter<OpenIddictServerHandlerFilters.RequireClientAssertionPrincipal>()
                .UseScopedHandler<CheckLifetimeAndSpendJwtId>()
                .SetOrder(OpenIddictServerHandlers.ValidateClientAssertionIssuer.Descriptor.Order + 500)
                .SetType(OpenIddictServerHandlerType.Custom)
                .Build();

        public async ValueTask HandleAsync(ProcessAuthenticationContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            var assertion = context.ClientAssertionPrincipal!;
            var now = context.Options.TimeProvider.GetUtcNow();
            if (assertion.GetExpirationDate() is not { } expires || expires > now + MaxLifetime + ClockSkew)
            {
                context.Reject(Errors.InvalidClient, "The client assertion must expire at most 5 minutes after it is sent.");
                return;
            }

            var jwtId = assertion.GetClaim(Claims.JwtId);
            if (string.IsNullOrEmpty(jwtId) || jwtId.Length > MaxJwtIdLength)
            {
                context.Reject(Errors.InvalidClient, $"The client assertion needs a jti of 1 to {MaxJwtIdLength} characters.");
                return;
            }

            var clientId = assertion.GetClaim(Claims.Issuer)!;
            if (!await uses.TrySpendAsync(clientId, jwtId, expires + ClockSkew, now, context.CancellationToken))
                context.Reject(Errors.InvalidClient, "The client assertion was already used.");
        }
    }
}
