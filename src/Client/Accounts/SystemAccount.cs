using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SeSPHR.Client.Errors;
using SeSPHR.Client.Fhir;

namespace SeSPHR.Client.Accounts;

/// <summary>
/// A system (an EHR's or an insurer's backend) signed in with its private key, SMART Backend
/// Services style: for every token it signs a fresh client assertion (API.md "Client assertions":
/// <c>iss</c> = <c>sub</c> = the client id, <c>aud</c> = the SRS's token endpoint, a new <c>jti</c>,
/// five minutes at most) and presents it for client credentials. Its tokens carry SMART system
/// scopes only, so they are FhirServer tokens; the FhirServer lets it see what the service account
/// it acts for may see. The client, its public JWKS and its scopes are registered by an admin
/// (<c>POST /api/clients</c>); the private key never leaves the caller.
/// </summary>
public sealed class SystemAccount : IDisposable
{
    private static readonly TimeSpan AssertionLifetime = TimeSpan.FromMinutes(4);

    private readonly ECDsaSecurityKey _key;
    private readonly string _algorithm;

    private SystemAccount(SystemEndpoints endpoints, string clientId, ECDsa privateKey, string keyId, string scope)
    {
        Endpoints = endpoints;
        ClientId = clientId;
        Scope = scope;
        _key = new ECDsaSecurityKey(privateKey) { KeyId = keyId };
        _algorithm = privateKey.KeySize switch
        {
            256 => SecurityAlgorithms.EcdsaSha256,
            384 => SecurityAlgorithms.EcdsaSha384,
            _ => throw new ArgumentException("The key must be an EC key on P-256 (ES256) or P-384 (ES384).", nameof(privateKey)),
        };
        Srs = new SrsClient(endpoints.Srs);
        FhirTokens = new TokenSession((_, _) => Srs.ClientCredentialsAsync(SignAssertion(), Scope));
        Fhir = new FhirRestClient(endpoints.Fhir, () => FhirTokens.Current);
    }

    public SystemEndpoints Endpoints { get; }

    public string ClientId { get; }

    /// <summary>The SMART system scopes asked for, e.g. <c>system/*.rs</c>.</summary>
    public string Scope { get; }

    /// <summary>The FhirServer token; renewed with a new assertion a minute before it expires.</summary>
    public TokenSession FhirTokens { get; }

    public SrsClient Srs { get; }

    public FhirRestClient Fhir { get; }

    /// <summary>
    /// Signs in <paramref name="clientId"/> with the private half of a key registered in its JWKS
    /// under <paramref name="keyId"/>; P-256 signs ES256, P-384 signs ES384. The key stays the
    /// caller's: it is used, not copied, and not disposed here.
    /// </summary>
    /// <exception cref="SignInRefusedException">The SRS refused the assertion or the scope.</exception>
    /// <exception cref="SrsUnavailableException">The SRS could not be reached, did not answer in time, or failed.</exception>
    public static async Task<SystemAccount> SignInAsync(
        SystemEndpoints endpoints, string clientId, ECDsa privateKey, string keyId, string scope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(clientId);
        ArgumentNullException.ThrowIfNull(privateKey);
        ArgumentException.ThrowIfNullOrEmpty(keyId);
        ArgumentException.ThrowIfNullOrEmpty(scope);
        var system = new SystemAccount(endpoints, clientId, privateKey, keyId, scope);
        try
        {
            await system.FhirTokens.RenewAsync(null, cancellationToken);
            return system;
        }
        catch
        {
            system.Dispose();
            throw;
        }
    }

    /// <summary>The public JWKS of <paramref name="key"/> as <c>POST /api/clients</c> takes it: the public point only.</summary>
    public static JsonElement PublicJwks(ECDsa key, string keyId)
    {
        ArgumentNullException.ThrowIfNull(key);
        var point = key.ExportParameters(includePrivateParameters: false).Q;
        var (curve, algorithm) = key.KeySize == 384 ? ("P-384", SecurityAlgorithms.EcdsaSha384) : ("P-256", SecurityAlgorithms.EcdsaSha256);
        var jwk = new Dictionary<string, string>
        {
            ["kty"] = "EC",
            ["crv"] = curve,
            ["use"] = "sig",
            ["alg"] = algorithm,
            ["kid"] = keyId,
            ["x"] = Base64UrlEncoder.Encode(point.X),
            ["y"] = Base64UrlEncoder.Encode(point.Y),
        };
        return JsonSerializer.SerializeToElement(new Dictionary<string, object> { ["keys"] = new[] { jwk } });
    }

    /// <summary>A FhirServer token with more than a minute left, renewed first when needed.</summary>
    public Task<string> GetAccessTokenAsync(CancellationToken cancellationToken = default) => FhirTokens.GetAsync(cancellationToken);

    /// <summary>As <see cref="PhrUser.CreateFhirHandler"/>: the token on every request, renewed in time, typed errors.</summary>
    public HttpMessageHandler CreateFhirHandler(TimeSpan? timeout = null) =>
        UnavailableServiceHandler.ForFhirServer(timeout).Wrapping(new BearerTokenHandler(FhirTokens) { InnerHandler = new HttpClientHandler() });

    /// <summary>Drops the token; the next call throws <see cref="NotSignedInException"/> until a new sign-in.</summary>
    public void SignOut() => FhirTokens.Forget();

    public void Dispose()
    {
        Srs.Dispose();
        Fhir.Dispose();
        FhirTokens.Dispose();
    }

    private string SignAssertion()
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = ClientId,
            Audience = Srs.TokenEndpoint.AbsoluteUri,
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = ClientId,
                [JwtRegisteredClaimNames.Jti] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            },
            IssuedAt = now,
            Expires = now + AssertionLifetime,
            TokenType = "JWT",
            SigningCredentials = new SigningCredentials(_key, _algorithm),
        });
    }
}
