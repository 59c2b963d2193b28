using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SeSPHR.Srs.Tests.Infrastructure;

namespace SeSPHR.Srs.Tests.OAuth;

public sealed class OAuthFlowTests(SrsFixture srs) : IClassFixture<SrsFixture>
{
    private readonly HttpClient _http = srs.Host.CreateClient();

    private async Task<TestUser> PatientAsync()
    {
        var name = SrsFixture.Unique("pat");
        return await SrsFlows.RegisterAsync(_http, name, "patient", $"Patient/{name}");
    }

    [Fact]
    public async Task Given_a_patient_When_the_code_flow_completes_Then_a_JWT_with_the_right_claims_that_verifies_against_the_JWKS()
    {
        var patient = await PatientAsync();

        var tokens = await SrsFlows.SignInAsync(srs.Host, patient, "openid fhirUser offline_access launch/patient patient/*.rs system/*.rs");
        var jwt = await SrsFlows.VerifyAsync(_http, tokens.AccessToken);

        jwt.Subject.ShouldBe(patient.UserId.ToString());
        jwt.GetClaim("fhirUser").Value.ShouldBe($"http://fhir.test/fhir/{patient.FhirUser}");
        jwt.GetClaim("sesphr_role").Value.ShouldBe("patient");
        jwt.GetClaim("sesphr_key").Value.ShouldBe(patient.Fingerprint);
        jwt.GetClaim("client_id").Value.ShouldBe("sesphr-app");
        jwt.Audiences.ShouldBe(["sesphr-fhir"]);
        (jwt.ValidTo - jwt.IssuedAt).ShouldBeLessThanOrEqualTo(TimeSpan.FromMinutes(15));
        var scopes = jwt.GetClaim("scope").Value.Split(' ');
        scopes.ShouldContain("patient/*.rs");
        scopes.ShouldNotContain("system/*.rs");
        tokens.Patient.ShouldBe(patient.FhirUser["Patient/".Length..]);
        tokens.RefreshToken.ShouldNotBeNull();
        tokens.IdToken.ShouldNotBeNull();
    }

    [Fact]
    public async Task Given_no_login_cookie_When_authorize_is_asked_Then_redirected_to_the_login_page()
    {
        using var browser = srs.Host.Browser();

        var response = await SrsFlows.AuthorizeAsync(browser, "openid", SrsFlows.NewPkce().Challenge);

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.AbsolutePath.ShouldBe("/account/login");
    }

    [Fact]
    public async Task Given_a_code_When_exchanged_with_another_verifier_Then_refused()
    {
        var patient = await PatientAsync();
        using var browser = srs.Host.Browser();
        (await SrsFlows.LoginAsync(browser, patient.Username, patient.AuthSecret)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var (_, challenge) = SrsFlows.NewPkce();
        var code = SrsFlows.CodeFrom(await SrsFlows.AuthorizeAsync(browser, "openid", challenge));

        var response = await SrsFlows.ExchangeCodeAsync(browser, code, SrsFlows.NewPkce().Verifier);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString().ShouldBe("invalid_grant");
    }

    [Fact]
    public async Task Given_no_code_challenge_When_authorize_is_asked_Then_refused()
    {
        var patient = await PatientAsync();
        using var browser = srs.Host.Browser();
        await SrsFlows.LoginAsync(browser, patient.Username, patient.AuthSecret);

        var response = await browser.GetAsync(
            $"/connect/authorize?response_type=code&client_id=sesphr-app&redirect_uri={Uri.EscapeDataString(SrsFlows.AppRedirectUri)}&scope=openid&state=x");

        response.Headers.Location?.Query.ShouldContain("error=invalid_request");
    }

    [Fact]
    public async Task Given_a_refresh_token_When_refreshed_Then_new_tokens_and_after_suspension_refused()
    {
        var patient = await PatientAsync();
        var tokens = await SrsFlows.SignInAsync(srs.Host, patient, SrsFlows.SrsScope);

        var refreshed = await SrsFlows.ReadTokenAsync(await SrsFlows.RefreshAsync(_http, tokens.RefreshToken!));
        (await SrsFlows.VerifyAsync(_http, refreshed.AccessToken, audience: "sesphr-srs")).Subject.ShouldBe(patient.UserId.ToString());

        using var asAdmin = SrsFlows.WithBearer(srs.Host, srs.AdminToken);
        (await asAdmin.PostAsync($"/api/accounts/{patient.UserId}/suspension", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var afterSuspension = await SrsFlows.RefreshAsync(_http, refreshed.RefreshToken!);
        afterSuspension.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await afterSuspension.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString().ShouldBe("invalid_grant");
        using var asSuspended = SrsFlows.WithBearer(srs.Host, refreshed.AccessToken);
        (await asSuspended.GetAsync("/api/accounts/me")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Given_the_FhirServer_client_secret_When_client_credentials_Then_a_service_token_and_a_wrong_secret_is_refused()
    {
        var tokens = await SrsFlows.ReadTokenAsync(
            await SrsFlows.ClientSecretAsync(_http, "sesphr-fhir", SrsHost.FhirServiceSecret, "srs.reencrypt srs.revoke"));
        var jwt = await SrsFlows.VerifyAsync(_http, tokens.AccessToken, audience: "sesphr-srs");
        jwt.GetClaim("client_id").Value.ShouldBe("sesphr-fhir");
        jwt.GetClaim("scope").Value.Split(' ').ShouldBe(["srs.reencrypt", "srs.revoke"], ignoreOrder: true);

        var wrong = await SrsFlows.ClientSecretAsync(_http, "sesphr-fhir", "not-the-secret", "srs.reencrypt");
        wrong.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var tooMuch = await SrsFlows.ClientSecretAsync(_http, "sesphr-fhir", SrsHost.FhirServiceSecret, "system/*.cruds");
        tooMuch.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Given_a_system_client_registered_by_an_admin_When_it_presents_a_private_key_JWT_Then_a_token_for_its_service_account()
    {
        var name = SrsFixture.Unique("ins");
        var insurer = await SrsFlows.RegisterAsync(_http, name, "insurer", $"Organization/{name}");
        using var asAdmin = SrsFlows.WithBearer(srs.Host, srs.AdminToken);
        (await asAdmin.PostAsync($"/api/accounts/{insurer.UserId}/approval", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var (key, jwks) = SrsFlows.NewClientKey();
        var clientId = SrsFixture.Unique("ehr");
        var registered = await asAdmin.PostAsJsonAsync("/api/clients", new { clientId, jwks, userId = insurer.UserId, scopes = new[] { "system/*.rs" } });
        await SrsFlows.ExpectAsync(registered, HttpStatusCode.Created);

        var tokens = await SrsFlows.ReadTokenAsync(await SrsFlows.ClientAssertionAsync(_http, clientId, key, "system/Observation.rs"));
        var jwt = await SrsFlows.VerifyAsync(_http, tokens.AccessToken);
        jwt.Subject.ShouldBe(insurer.UserId.ToString());
        jwt.GetClaim("sesphr_role").Value.ShouldBe("insurer");
        jwt.GetClaim("fhirUser").Value.ShouldEndWith(insurer.FhirUser);
        jwt.GetClaim("scope").Value.ShouldBe("system/Observation.rs");

        var (otherKey, _) = SrsFlows.NewClientKey();
        (await SrsFlows.ClientAssertionAsync(_http, clientId, otherKey, "system/*.rs")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await SrsFlows.ClientAssertionAsync(_http, clientId, key, "system/*.cruds")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Given_a_non_admin_When_registering_a_client_Then_forbidden()
    {
        var patient = await PatientAsync();
        using var asPatient = SrsFlows.WithBearer(srs.Host, (await SrsFlows.SignInAsync(srs.Host, patient, SrsFlows.SrsScope)).AccessToken);
        var (_, jwks) = SrsFlows.NewClientKey();

        var response = await asPatient.PostAsJsonAsync("/api/clients", new { clientId = "sneaky", jwks, userId = patient.UserId, scopes = new[] { "system/*.rs" } });

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Given_discovery_When_read_Then_it_names_the_endpoints_and_PKCE_S256_only()
    {
        var discovery = await _http.GetFromJsonAsync<JsonElement>("/.well-known/openid-configuration");

        discovery.GetProperty("token_endpoint").GetString()!.ShouldEndWith("/connect/token");
        discovery.GetProperty("jwks_uri").GetString()!.ShouldEndWith("/.well-known/jwks");
        discovery.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(e => e.GetString()).ShouldBe(["S256"]);
        (await _http.GetAsync("/openapi/v1.json")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
