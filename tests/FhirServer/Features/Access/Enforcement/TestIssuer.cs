using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace SeSPHR.FhirServer.Tests.Features.Access.Enforcement;

/// <summary>
/// Stands in for the SRS's token side in component tests: a loopback HTTP endpoint serving an OpenID
/// discovery document and a JWKS, and a signing key to mint access tokens with the SRS's claims
/// (src/Srs/API.md). The FhirServer is configured against it exactly as against the SRS. The
/// end-to-end tests with the real SRS and its real flows live elsewhere.
/// </summary>
public sealed class TestIssuer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    public TestIssuer()
    {
        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(BaseUrl + "/");
        _listener.Start();
        SigningKey = new ECDsaSecurityKey(_key) { KeyId = "test-key-1" };
        _serving = Task.Run(ServeAsync);
    }

    public string BaseUrl { get; }

    public ECDsaSecurityKey SigningKey { get; }

    /// <summary>While false, discovery and JWKS answer 503, as an SRS that is down.</summary>
    public bool Up { get; set; } = true;

    public int MetadataRequests { get; private set; }

    public int JwksRequests { get; private set; }

    /// <summary>Keys published beside <see cref="SigningKey"/>, as the SRS publishes a successor key before it signs.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<ECDsaSecurityKey> AlsoPublished { get; } = new();

    public string Mint(
        string subject,
        string role,
        string? fhirUser,
        string scope = "user/*.cruds",
        string? keyFingerprint = null,
        string audience = "sesphr-fhir",
        DateTime? expires = null,
        SecurityKey? signWith = null,
        string? issuer = null,
        string[]? audiences = null)
    {
        var claims = new Dictionary<string, object>
        {
            ["sub"] = subject,
            ["sesphr_role"] = role,
            ["scope"] = scope,
        };
        if (fhirUser is not null)
        {
            claims["fhirUser"] = fhirUser.StartsWith("http", StringComparison.Ordinal) ? fhirUser : "http://fhir.test/fhir/" + fhirUser;
        }

        if (keyFingerprint is not null)
        {
            claims["sesphr_key"] = keyFingerprint;
        }

        var expiry = expires ?? DateTime.UtcNow.AddMinutes(15);
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer ?? BaseUrl,
            Audience = audiences is null ? audience : null,
            Claims = claims,
            IssuedAt = expiry.AddMinutes(-15),
            NotBefore = expiry.AddMinutes(-15),
            Expires = expiry,
            SigningCredentials = new SigningCredentials(signWith ?? SigningKey, SecurityAlgorithms.EcdsaSha256),
        };
        foreach (var each in audiences ?? [])
        {
            descriptor.Audiences.Add(each);
        }

        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }

            var path = context.Request.Url?.AbsolutePath ?? "";
            string? body = null;
            if (Up && path == "/.well-known/openid-configuration")
            {
                MetadataRequests++;
                body = JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["issuer"] = BaseUrl,
                    ["jwks_uri"] = BaseUrl + "/.well-known/jwks",
                    ["authorization_endpoint"] = BaseUrl + "/connect/authorize",
                    ["token_endpoint"] = BaseUrl + "/connect/token",
                    ["id_token_signing_alg_values_supported"] = new[] { "ES256" },
                });
            }
            else if (Up && path == "/.well-known/jwks")
            {
                JwksRequests++;
                var keys = AlsoPublished.Prepend(SigningKey).Select(JsonWebKeyConverter.ConvertFromECDsaSecurityKey);
                body = JsonSerializer.Serialize(new
                {
                    keys = keys.Select(jwk => new { kty = jwk.Kty, kid = jwk.Kid, crv = jwk.Crv, x = jwk.X, y = jwk.Y, use = "sig", alg = "ES256" }).ToArray(),
                });
            }

            context.Response.StatusCode = body is null ? (Up ? 404 : 503) : 200;
            context.Response.ContentType = "application/json";
            var bytes = Encoding.UTF8.GetBytes(body ?? "{}");
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _listener.Close();
        try
        {
            await _serving;
        }
        catch (ObjectDisposedException)
        {
        }

        _key.Dispose();
        _stop.Dispose();
    }
}

/// <summary>Claims helper so tests read like who is asking.</summary>
public sealed record TestUser(string Subject, string Role, string? FhirUser, string? KeyFingerprint = null, string Scope = "user/*.cruds");
