using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Web;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SeSPHR.Crypto.Passwords;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Srs.Tests.Infrastructure;

/// <summary>A user as their client knows them: name, password-derived secrets, and key pair public halves.</summary>
public sealed record TestUser(Guid UserId, string Username, string Role, string FhirUser, string Status, string Fingerprint, byte[] AuthSecret, byte[] UmbralPublicKey, byte[] SigningPublicKey);

/// <summary>The token response of <c>/connect/token</c>.</summary>
public sealed record IssuedToken(string AccessToken, string? RefreshToken, string? IdToken, string? Patient, string Scope, JsonElement Raw);

/// <summary>
/// Scripted client flows against an SRS, as the app and an EHR back end perform them: register,
/// enrol the first admin, log in (cookie), authorize with PKCE S256, exchange the code, refresh,
/// and client credentials with a client secret or a private-key JWT. Each step asserts only that
/// the server answered as the contract says, so a test can use it for the steps it is not about.
/// </summary>
public static class SrsFlows
{
    public const string AppClientId = "sesphr-app";
    public const string AppRedirectUri = "http://127.0.0.1/callback";

    /// <summary>What a first-party client asks for to use the SRS's own API (a token for the SRS alone).</summary>
    public const string SrsScope = "openid offline_access srs.account";

    /// <summary>The SRS scope of a patient's client: its own account and its grants.</summary>
    public const string PatientSrsScope = SrsScope + " srs.grants";

    /// <summary>The registration body a real client sends: Argon2id at production cost, a sealed key backup, fresh Umbral keys.</summary>
    public static (object Body, byte[] AuthSecret, byte[] Umbral, byte[] Signing) RegistrationBody(string username, string role, string fhirUser)
    {
        var settings = PasswordKdfSettings.CreateNew();
        using var master = PasswordMasterKey.Derive($"password of {username}", username, settings);
        using var authSecret = master.DeriveAuthenticationSecret();
        using var umbral = SecretKey.Random();
        using var signing = SecretKey.Random();
        var backup = KeyBackup.Seal(master, new byte[64]);
        var umbralPublic = umbral.PublicKey.ToCompressedBytes();
        var signingPublic = signing.PublicKey.ToCompressedBytes();
        var body = new
        {
            username,
            role,
            fhirUser,
            kdf = new
            {
                salt = Convert.ToBase64String(settings.Salt),
                memoryKiB = settings.Parameters.MemoryKiB,
                iterations = settings.Parameters.Iterations,
                parallelism = settings.Parameters.Parallelism,
            },
            authSecret = Convert.ToBase64String(authSecret.AsSpan()),
            umbralPublicKey = Convert.ToBase64String(umbralPublic),
            signingPublicKey = Convert.ToBase64String(signingPublic),
            wrappedBackup = Convert.ToBase64String(backup),
        };
        return (body, authSecret.AsSpan().ToArray(), umbralPublic, signingPublic);
    }

    public static async Task<TestUser> RegisterAsync(HttpClient http, string username, string role, string fhirUser)
    {
        var (body, secret, umbral, signing) = RegistrationBody(username, role, fhirUser);
        var response = await http.PostAsJsonAsync("/api/accounts", body);
        await ExpectAsync(response, HttpStatusCode.Created);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new TestUser(created.GetProperty("userId").GetGuid(), username, role, fhirUser,
            created.GetProperty("status").GetString()!, created.GetProperty("fingerprint").GetString()!, secret, umbral, signing);
    }

    /// <summary>Enrols the first admin with the code the SRS wrote at first start.</summary>
    public static async Task<TestUser> EnrolAdminAsync(HttpClient http, SrsHost host, string username = "admin", string fhirUser = "Practitioner/admin")
    {
        var code = (await File.ReadAllTextAsync(host.EnrolmentCodeFile)).Trim();
        var (body, secret, umbral, signing) = RegistrationBody(username, "admin", fhirUser);
        var json = JsonSerializer.SerializeToElement(body);
        var withCode = new Dictionary<string, JsonElement> { ["code"] = JsonSerializer.SerializeToElement(code) };
        foreach (var property in json.EnumerateObject().Where(p => p.Name != "role"))
            withCode[property.Name] = property.Value;
        var response = await http.PostAsJsonAsync("/api/enrolment", withCode);
        await ExpectAsync(response, HttpStatusCode.Created);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new TestUser(created.GetProperty("userId").GetGuid(), username, "admin", fhirUser, "active",
            created.GetProperty("fingerprint").GetString()!, secret, umbral, signing);
    }

    public static Task<HttpResponseMessage> LoginAsync(HttpClient browser, string username, byte[] authSecret) =>
        browser.PostAsJsonAsync("/account/login", new { username, authSecret = Convert.ToBase64String(authSecret) });

    /// <summary>A PKCE pair: a random verifier and its S256 challenge.</summary>
    public static (string Verifier, string Challenge) NewPkce()
    {
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        return (verifier, Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    /// <summary>GET /connect/authorize with the browser's cookie; returns the redirect it answered with.</summary>
    public static async Task<HttpResponseMessage> AuthorizeAsync(HttpClient browser, string scope, string challenge, string state = "s1")
    {
        var query = HttpUtility.ParseQueryString(string.Empty);
        query["response_type"] = "code";
        query["client_id"] = AppClientId;
        query["redirect_uri"] = AppRedirectUri;
        query["scope"] = scope;
        query["state"] = state;
        query["code_challenge"] = challenge;
        query["code_challenge_method"] = "S256";
        return await browser.GetAsync($"/connect/authorize?{query}");
    }

    public static string CodeFrom(HttpResponseMessage redirect)
    {
        redirect.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var location = redirect.Headers.Location!;
        location.GetLeftPart(UriPartial.Path).ShouldBe(AppRedirectUri);
        return HttpUtility.ParseQueryString(location.Query)["code"] ?? throw new ShouldAssertException($"no code in {location}");
    }

    public static Task<HttpResponseMessage> ExchangeCodeAsync(HttpClient http, string code, string verifier) =>
        http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = AppClientId,
            ["redirect_uri"] = AppRedirectUri,
            ["code"] = code,
            ["code_verifier"] = verifier,
        }));

    public static Task<HttpResponseMessage> RefreshAsync(HttpClient http, string refreshToken) =>
        http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = AppClientId,
            ["refresh_token"] = refreshToken,
        }));

    /// <summary>The whole first-party login: cookie, authorize with PKCE, code exchange.</summary>
    public static async Task<IssuedToken> SignInAsync(SrsHost host, TestUser user, string scope = "openid fhirUser offline_access launch/patient user/*.rs")
    {
        using var browser = host.Browser();
        (await LoginAsync(browser, user.Username, user.AuthSecret)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var (verifier, challenge) = NewPkce();
        var code = CodeFrom(await AuthorizeAsync(browser, scope, challenge));
        return await ReadTokenAsync(await ExchangeCodeAsync(browser, code, verifier));
    }

    public static Task<HttpResponseMessage> ClientSecretAsync(HttpClient http, string clientId, string secret, string scope) =>
        http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
            ["scope"] = scope,
        }));

    /// <summary>The OpenIddict 7 form of a client assertion: typ client-authentication+jwt, audience the issuer.</summary>
    public static Task<HttpResponseMessage> ClientAssertionAsync(HttpClient http, string clientId, SecurityKey key, string scope) =>
        PresentAssertionAsync(http, Assertion(clientId, key, SecurityAlgorithms.EcdsaSha256,
            audience: new Uri(http.BaseAddress!, "/").AbsoluteUri, type: "client-authentication+jwt"), scope);

    /// <summary>
    /// A client assertion as SMART Backend Services specifies it: header typ JWT and kid, claims
    /// iss = sub = client id, aud = the token endpoint URL, exp at most five minutes ahead, a fresh
    /// jti. Each named argument overrides one of those, for the tests of what the SRS refuses.
    /// </summary>
    public static string Assertion(
        string clientId, SecurityKey key, string algorithm, string? audience = null, string type = "JWT",
        string? subject = null, TimeSpan? expiresIn = null, string? jwtId = null)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = clientId,
            Audience = audience ?? "http://localhost/connect/token",
            Claims = new Dictionary<string, object> { ["sub"] = subject ?? clientId, ["jti"] = jwtId ?? Guid.NewGuid().ToString("N") },
            IssuedAt = now,
            Expires = now + (expiresIn ?? TimeSpan.FromMinutes(4)),
            TokenType = type,
            SigningCredentials = new SigningCredentials(key, algorithm),
        });
    }

    public static Task<HttpResponseMessage> PresentAssertionAsync(HttpClient http, string assertion, string scope) =>
        http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ["client_assertion"] = assertion,
            ["scope"] = scope,
        }));

    /// <summary>A fresh P-256 key for a system client, and its public JWKS.</summary>
    public static (ECDsaSecurityKey Key, object Jwks) NewClientKey()
    {
        var (key, jwks) = NewClientKey(SecurityAlgorithms.EcdsaSha256);
        return ((ECDsaSecurityKey)key, jwks);
    }

    /// <summary>A fresh key for <paramref name="algorithm"/> (ES256 P-256, ES384 P-384, RS384 RSA-2048) and its public JWKS.</summary>
    public static (SecurityKey Key, object Jwks) NewClientKey(string algorithm)
    {
        var kid = Guid.NewGuid().ToString("N");
        if (algorithm == SecurityAlgorithms.RsaSha384)
        {
            var rsa = RSA.Create(2048);
            var p = rsa.ExportParameters(includePrivateParameters: false);
            var rsaJwk = new { kty = "RSA", use = "sig", alg = algorithm, kid, n = Base64UrlEncoder.Encode(p.Modulus), e = Base64UrlEncoder.Encode(p.Exponent) };
            return (new RsaSecurityKey(rsa) { KeyId = kid }, new { keys = new[] { rsaJwk } });
        }

        var (curve, crv) = algorithm == SecurityAlgorithms.EcdsaSha384 ? (ECCurve.NamedCurves.nistP384, "P-384") : (ECCurve.NamedCurves.nistP256, "P-256");
        var ecdsa = ECDsa.Create(curve);
        var q = ecdsa.ExportParameters(includePrivateParameters: false).Q;
        var ecJwk = new { kty = "EC", crv, use = "sig", alg = algorithm, kid, x = Base64UrlEncoder.Encode(q.X), y = Base64UrlEncoder.Encode(q.Y) };
        return (new ECDsaSecurityKey(ecdsa) { KeyId = kid }, new { keys = new[] { ecJwk } });
    }

    public static async Task<IssuedToken> ReadTokenAsync(HttpResponseMessage response)
    {
        await ExpectAsync(response, HttpStatusCode.OK);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        string? Optional(string name) => json.TryGetProperty(name, out var value) ? value.GetString() : null;
        return new IssuedToken(json.GetProperty("access_token").GetString()!, Optional("refresh_token"), Optional("id_token"),
            Optional("patient"), Optional("scope") ?? string.Empty, json);
    }

    /// <summary>Checks a token's signature against the SRS's published JWKS and returns its claims.</summary>
    public static async Task<JsonWebToken> VerifyAsync(HttpClient http, string token, string audience = "sesphr-fhir")
    {
        var jwks = new JsonWebKeySet(await http.GetStringAsync("/.well-known/jwks"));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidAudience = audience,
            ValidateIssuer = false,
            ValidTypes = ["at+jwt"],
        });
        result.IsValid.ShouldBeTrue(result.Exception?.Message);
        return (JsonWebToken)result.SecurityToken;
    }

    public static HttpClient WithBearer(SrsHost host, string accessToken)
    {
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);
        return client;
    }

    public static async Task ExpectAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        if (response.StatusCode != status)
            throw new ShouldAssertException($"expected {(int)status}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
