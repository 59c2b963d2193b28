using Microsoft.Extensions.Options;
using SeSPHR.FhirServer.Http;

namespace SeSPHR.FhirServer.Features.Access.Authentication;

/// <summary>Where a SMART client gets a token: the SRS's endpoints, as its discovery document names them.</summary>
public sealed record SmartEndpoints(string Issuer, string Authorization, string Token, string Jwks);

/// <summary>
/// SMART App Launch discovery at the FHIR base (<c>/fhir/.well-known/smart-configuration</c>), open to
/// anonymous clients. The endpoints come from the SRS's OpenID discovery (cached); while the SRS has
/// never answered, the paths src/Srs/API.md fixes under the configured authority.
/// </summary>
public static class SmartConfiguration
{
    public static readonly string[] Capabilities =
    [
        "launch-standalone", "client-public", "client-confidential-asymmetric", "context-standalone-patient",
        "permission-patient", "permission-user", "permission-v2", "permission-v1", "sso-openid-connect",
    ];

    public static readonly string[] ScopesSupported =
    [
        "openid", "fhirUser", "offline_access", "launch/patient",
        "patient/*.rs", "patient/*.cruds", "user/*.rs", "user/*.cruds", "system/*.rs", "system/*.cruds",
    ];

    private static readonly string[] GrantTypes = ["authorization_code", "client_credentials", "refresh_token"];
    private static readonly string[] AuthMethods = ["private_key_jwt", "client_secret_basic", "none"];
    private static readonly string[] SigningAlgorithms = ["ES256", "ES384", "RS384"];
    private static readonly string[] ResponseTypes = ["code"];
    private static readonly string[] ChallengeMethods = ["S256"];

    public static async Task<SmartEndpoints?> EndpointsAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var authority = services.GetRequiredService<IOptions<FhirAuthOptions>>().Value.Authority?.TrimEnd('/');
        if (string.IsNullOrWhiteSpace(authority))
        {
            return null;
        }

        var discovered = await FhirAuthentication.SrsConfigurationAsync(services, cancellationToken);
        return new SmartEndpoints(
            discovered?.Issuer ?? authority,
            discovered?.AuthorizationEndpoint ?? authority + "/connect/authorize",
            discovered?.TokenEndpoint ?? authority + "/connect/token",
            discovered?.JwksUri ?? authority + "/.well-known/jwks");
    }

    public static RouteGroupBuilder MapSmartConfiguration(this RouteGroupBuilder fhir)
    {
        fhir.MapGet("/.well-known/smart-configuration", async (HttpContext context) =>
        {
            var endpoints = await EndpointsAsync(context.RequestServices, context.RequestAborted);
            if (endpoints is null)
            {
                throw new FhirException(StatusCodes.Status404NotFound, Hl7.Fhir.Model.OperationOutcome.IssueType.NotFound,
                    "This server runs without authentication (Fhir:Auth:Authority is not set).");
            }

            return Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = endpoints.Issuer,
                ["jwks_uri"] = endpoints.Jwks,
                ["authorization_endpoint"] = endpoints.Authorization,
                ["token_endpoint"] = endpoints.Token,
                ["grant_types_supported"] = GrantTypes,
                ["token_endpoint_auth_methods_supported"] = AuthMethods,
                ["token_endpoint_auth_signing_alg_values_supported"] = SigningAlgorithms,
                ["response_types_supported"] = ResponseTypes,
                ["scopes_supported"] = ScopesSupported,
                ["capabilities"] = Capabilities,
                ["code_challenge_methods_supported"] = ChallengeMethods,
            });
        });
        return fhir;
    }
}
