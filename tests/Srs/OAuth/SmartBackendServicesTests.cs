using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using SeSPHR.Srs.Tests.Infrastructure;

namespace SeSPHR.Srs.Tests.OAuth;

/// <summary>
/// An EHR or insurer back end authenticating as SMART Backend Services describes: a JWT with
/// typ JWT, aud = the token endpoint, signed with ES384 or RS384 by a key it registered.
/// </summary>
public sealed class SmartBackendServicesTests(SrsFixture srs) : IClassFixture<SrsFixture>
{
    private const string Scope = "system/Observation.rs";
    private readonly HttpClient _http = srs.Host.CreateClient();

    /// <summary>An approved insurer and a system client acting for it, registered with <paramref name="jwks"/>.</summary>
    private async Task<(string ClientId, TestUser Insurer)> RegisterClientAsync(object jwks)
    {
        var name = SrsFixture.Unique("ins");
        var insurer = await SrsFlows.RegisterAsync(_http, name, "insurer", $"Organization/{name}");
        using var asAdmin = SrsFlows.WithBearer(srs.Host, srs.AdminToken);
        (await asAdmin.PostAsync($"/api/accounts/{insurer.UserId}/approval", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var clientId = SrsFixture.Unique("ehr");
        var registered = await asAdmin.PostAsJsonAsync("/api/clients", new { clientId, jwks, userId = insurer.UserId, scopes = new[] { "system/*.rs" } });
        await SrsFlows.ExpectAsync(registered, HttpStatusCode.Created);
        return (clientId, insurer);
    }

    private static async Task ShouldBeRefusedAsync(HttpResponseMessage response, string error = "invalid_client")
    {
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.TryGetProperty("access_token", out _).ShouldBeFalse();
        body.GetProperty("error").GetString().ShouldBe(error);
        response.StatusCode.ShouldBe(error == "invalid_client" ? HttpStatusCode.Unauthorized : HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData(SecurityAlgorithms.EcdsaSha384)]
    [InlineData(SecurityAlgorithms.RsaSha384)]
    [InlineData(SecurityAlgorithms.EcdsaSha256)]
    public async Task Given_a_SMART_assertion_When_presented_Then_a_token_for_the_clients_service_account(string algorithm)
    {
        var (key, jwks) = SrsFlows.NewClientKey(algorithm);
        var (clientId, insurer) = await RegisterClientAsync(jwks);

        var tokens = await SrsFlows.ReadTokenAsync(
            await SrsFlows.PresentAssertionAsync(_http, SrsFlows.Assertion(clientId, key, algorithm), Scope));

        var jwt = await SrsFlows.VerifyAsync(_http, tokens.AccessToken);
        jwt.Subject.ShouldBe(insurer.UserId.ToString());
        jwt.GetClaim("client_id").Value.ShouldBe(clientId);
        jwt.GetClaim("scope").Value.ShouldBe(Scope);
    }

    [Fact]
    public async Task Given_the_OpenIddict_form_of_assertion_When_presented_Then_it_still_works()
    {
        var (key, jwks) = SrsFlows.NewClientKey(SecurityAlgorithms.EcdsaSha256);
        var (clientId, _) = await RegisterClientAsync(jwks);

        var response = await SrsFlows.ClientAssertionAsync(_http, clientId, key, Scope);

        (await SrsFlows.ReadTokenAsync(response)).AccessToken.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task Given_an_assertion_already_used_When_presented_again_Then_refused()
    {
        var (key, jwks) = SrsFlows.NewClientKey(SecurityAlgorithms.EcdsaSha384);
        var (clientId, _) = await RegisterClientAsync(jwks);
        var assertion = SrsFlows.Assertion(clientId, key, SecurityAlgorithms.EcdsaSha384);
        await SrsFlows.ReadTokenAsync(await SrsFlows.PresentAssertionAsync(_http, assertion, Scope));

        await ShouldBeRefusedAsync(await SrsFlows.PresentAssertionAsync(_http, assertion, Scope));

        // The same jti in a freshly signed assertion is a replay too.
        var jwtId = Guid.NewGuid().ToString("N");
        await SrsFlows.ReadTokenAsync(await SrsFlows.PresentAssertionAsync(_http,
            SrsFlows.Assertion(clientId, key, SecurityAlgorithms.EcdsaSha384, jwtId: jwtId), Scope));
        await ShouldBeRefusedAsync(await SrsFlows.PresentAssertionAsync(_http,
            SrsFlows.Assertion(clientId, key, SecurityAlgorithms.EcdsaSha384, jwtId: jwtId), Scope));
    }

    [Theory]
    [InlineData("https://other.example/connect/token")]
    [InlineData("http://localhost/connect/authorize")]
    [InlineData("http://fhir.test/fhir")]
    public async Task Given_an_assertion_for_another_audience_When_presented_Then_refused(string audience)
    {
        var (key, jwks) = SrsFlows.NewClientKey(SecurityAlgorithms.EcdsaSha384);
        var (clientId, _) = await RegisterClientAsync(jwks);

        var response = await SrsFlows.PresentAssertionAsync(_http,
            SrsFlows.Assertion(clientId, key, SecurityAlgorithms.EcdsaSha384, audience: audience), Scope);

        await ShouldBeRefusedAsync(response, "invalid_token");
    }

    [Fact]
    public async Task Given_an_assertion_that_expires_too_far_ahead_When_presented_Then_refused()
    {
        var (key, jwks) = SrsFlows.NewClientKey(SecurityAlgorithms.RsaSha384);
        var (clientId, _) = await RegisterClientAsync(jwks);

        var response = await SrsFlows.PresentAssertionAsync(_http,
            SrsFlows.Assertion(clientId, key, SecurityAlgorithms.RsaSha384, expiresIn: TimeSpan.FromMinutes(10)), Scope);

        await ShouldBeRefusedAsync(response);
    }

    [Fact]
    public async Task Given_an_expired_assertion_When_presented_Then_refused()
    {
        var (key, jwks) = SrsFlows.NewClientKey(SecurityAlgorithms.EcdsaSha384);
        var (clientId, _) = await RegisterClientAsync(jwks);

        var response = await SrsFlows.PresentAssertionAsync(_http,
            SrsFlows.Assertion(clientId, key, SecurityAlgorithms.EcdsaSha384, expiresIn: TimeSpan.FromMinutes(-2)), Scope);

        await ShouldBeRefusedAsync(response);
    }

    [Fact]
    public async Task Given_an_assertion_signed_by_a_key_the_client_did_not_register_When_presented_Then_refused()
    {
        var (key, jwks) = SrsFlows.NewClientKey(SecurityAlgorithms.EcdsaSha384);
        var (clientId, _) = await RegisterClientAsync(jwks);
        var (unregistered, _) = SrsFlows.NewClientKey(SecurityAlgorithms.EcdsaSha384);

        await ShouldBeRefusedAsync(await SrsFlows.PresentAssertionAsync(_http,
            SrsFlows.Assertion(clientId, unregistered, SecurityAlgorithms.EcdsaSha384), Scope));

        // A foreign key that claims the registered key's kid fails on the signature.
        var impostor = new ECDsaSecurityKey(System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP384)) { KeyId = key.KeyId };
        await ShouldBeRefusedAsync(await SrsFlows.PresentAssertionAsync(_http,
            SrsFlows.Assertion(clientId, impostor, SecurityAlgorithms.EcdsaSha384), Scope));

        // The registered key itself, under a kid the client never registered, is refused as well.
        var unknownKid = new ECDsaSecurityKey(((ECDsaSecurityKey)key).ECDsa) { KeyId = "not-registered" };
        await ShouldBeRefusedAsync(await SrsFlows.PresentAssertionAsync(_http,
            SrsFlows.Assertion(clientId, unknownKid, SecurityAlgorithms.EcdsaSha384), Scope));
    }

    [Fact]
    public async Task Given_an_assertion_whose_sub_is_not_its_iss_When_presented_Then_refused()
    {
        var (key, jwks) = SrsFlows.NewClientKey(SecurityAlgorithms.EcdsaSha384);
        var (clientId, _) = await RegisterClientAsync(jwks);
        var (otherClientId, _) = await RegisterClientAsync(SrsFlows.NewClientKey(SecurityAlgorithms.EcdsaSha384).Jwks);

        var response = await SrsFlows.PresentAssertionAsync(_http,
            SrsFlows.Assertion(clientId, key, SecurityAlgorithms.EcdsaSha384, subject: otherClientId), Scope);

        await ShouldBeRefusedAsync(response, "invalid_grant");
    }

    [Fact]
    public async Task Given_an_assertion_with_another_typ_or_an_unaccepted_algorithm_When_presented_Then_refused()
    {
        var (key, jwks) = SrsFlows.NewClientKey(SecurityAlgorithms.RsaSha384);
        var (clientId, _) = await RegisterClientAsync(jwks);

        // An access-token-typed JWT is not a client assertion, even when the client signed it.
        await ShouldBeRefusedAsync(await SrsFlows.PresentAssertionAsync(_http,
            SrsFlows.Assertion(clientId, key, SecurityAlgorithms.RsaSha384, type: "at+jwt"), Scope));
        // RS256 is outside SMART's list (ES256, ES384, RS384).
        await ShouldBeRefusedAsync(await SrsFlows.PresentAssertionAsync(_http,
            SrsFlows.Assertion(clientId, key, SecurityAlgorithms.RsaSha256), Scope));
    }

    [Fact]
    public async Task Given_a_JWKS_key_without_kid_or_a_short_RSA_key_When_registered_Then_refused()
    {
        using var asAdmin = SrsFlows.WithBearer(srs.Host, srs.AdminToken);
        var name = SrsFixture.Unique("ins");
        var insurer = await SrsFlows.RegisterAsync(_http, name, "insurer", $"Organization/{name}");
        (await asAdmin.PostAsync($"/api/accounts/{insurer.UserId}/approval", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        using var ecdsa = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP384);
        var q = ecdsa.ExportParameters(false).Q;
        using var rsa = System.Security.Cryptography.RSA.Create(1024);
        var p = rsa.ExportParameters(false);
        object[] refused =
        [
            new { keys = new[] { new { kty = "EC", crv = "P-384", x = Base64UrlEncoder.Encode(q.X), y = Base64UrlEncoder.Encode(q.Y) } } },
            new { keys = new[] { new { kty = "RSA", kid = "k1", n = Base64UrlEncoder.Encode(p.Modulus), e = Base64UrlEncoder.Encode(p.Exponent) } } },
        ];

        foreach (var jwks in refused)
        {
            var response = await asAdmin.PostAsJsonAsync("/api/clients",
                new { clientId = SrsFixture.Unique("ehr"), jwks, userId = insurer.UserId, scopes = new[] { "system/*.rs" } });
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        }
    }
}
