using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.IdentityModel.Tokens;
using SeSPHR.FhirServer.Tests.Infrastructure;
using SeSPHR.Testing;

namespace SeSPHR.FhirServer.Tests.Features.Access.Enforcement;

public sealed class AuthenticationTests(AccessServerFixture server) : IClassFixture<AccessServerFixture>
{
    private static readonly TestUser Doctor = AccessData.Doctor;

    [Theory]
    [InlineData("/fhir/Patient")]
    [InlineData("/fhir/Observation/x")]
    [InlineData("/fhir/_history")]
    public async Task Anonymous_requests_get_401_with_a_bearer_challenge_and_an_OperationOutcome(string path)
    {
        using var client = server.Client();
        var response = await client.GetAsync(path);
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.ToString().ShouldStartWith("Bearer");
        (await response.OutcomeCodeAsync()).ShouldBe("login");
    }

    [Fact]
    public async Task Anonymous_posts_of_a_transaction_are_refused_too()
    {
        using var client = server.Client();
        var response = await client.PostAsync("/fhir", FhirHttp.Json("""{"resourceType":"Bundle","type":"transaction","entry":[]}"""));
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Metadata_is_open_and_names_the_SRS_endpoints()
    {
        using var client = server.Client();
        var response = await client.GetAsync("/fhir/metadata");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var security = (await response.BodyAsync()).GetProperty("rest")[0].GetProperty("security");
        security.GetProperty("service")[0].GetProperty("coding")[0].GetProperty("code").GetString().ShouldBe("SMART-on-FHIR");
        var uris = security.GetProperty("extension")[0];
        uris.GetProperty("url").GetString().ShouldBe("http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris");
        var parts = uris.GetProperty("extension").EnumerateArray().ToDictionary(e => e.GetProperty("url").GetString()!, e => e.GetProperty("valueUri").GetString());
        parts["authorize"].ShouldBe(server.Issuer.BaseUrl + "/connect/authorize");
        parts["token"].ShouldBe(server.Issuer.BaseUrl + "/connect/token");
    }

    [Fact]
    public async Task Smart_configuration_is_open_at_the_fhir_base()
    {
        using var client = server.Client();
        var response = await client.GetAsync("/fhir/.well-known/smart-configuration");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.BodyAsync();
        body.GetProperty("token_endpoint").GetString().ShouldBe(server.Issuer.BaseUrl + "/connect/token");
        body.GetProperty("authorization_endpoint").GetString().ShouldBe(server.Issuer.BaseUrl + "/connect/authorize");
        body.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(e => e.GetString()).ShouldBe(["S256"]);
        body.GetProperty("capabilities").EnumerateArray().Select(e => e.GetString()).ShouldContain("permission-v2");
        body.GetProperty("scopes_supported").EnumerateArray().Select(e => e.GetString()).ShouldContain("patient/*.rs");
    }

    [Fact]
    public async Task Health_stays_open()
    {
        using var client = server.Client();
        (await client.GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_valid_token_is_accepted()
    {
        using var client = server.As(Doctor);
        (await client.GetAsync("/fhir/Practitioner")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_refused()
    {
        using var foreign = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var token = server.Issuer.Mint(Doctor.Subject, Doctor.Role, Doctor.FhirUser, keyFingerprint: Doctor.KeyFingerprint,
            signWith: new ECDsaSecurityKey(foreign) { KeyId = server.Issuer.SigningKey.KeyId });
        await ShouldBeRefusedAsync(token);
    }

    [Fact]
    public Task An_expired_token_is_refused() =>
        ShouldBeRefusedAsync(server.Issuer.Mint(Doctor.Subject, Doctor.Role, Doctor.FhirUser, keyFingerprint: Doctor.KeyFingerprint, expires: DateTime.UtcNow.AddMinutes(-2)));

    [Fact]
    public Task A_token_for_another_audience_is_refused() =>
        ShouldBeRefusedAsync(server.Issuer.Mint(Doctor.Subject, Doctor.Role, Doctor.FhirUser, keyFingerprint: Doctor.KeyFingerprint, audience: "sesphr-srs"));

    [Fact]
    public Task A_token_that_is_also_for_the_SRS_is_refused() =>
        ShouldBeRefusedAsync(server.Issuer.Mint(Doctor.Subject, Doctor.Role, Doctor.FhirUser, keyFingerprint: Doctor.KeyFingerprint,
            audiences: ["sesphr-fhir", "sesphr-srs"]));

    [Fact]
    public Task A_token_with_any_audience_besides_the_FhirServers_is_refused() =>
        ShouldBeRefusedAsync(server.Issuer.Mint(Doctor.Subject, Doctor.Role, Doctor.FhirUser, keyFingerprint: Doctor.KeyFingerprint,
            audiences: ["sesphr-fhir", "https://other.example/api"]));

    [Fact]
    public Task A_token_from_another_issuer_is_refused() =>
        ShouldBeRefusedAsync(server.Issuer.Mint(Doctor.Subject, Doctor.Role, Doctor.FhirUser, keyFingerprint: Doctor.KeyFingerprint, issuer: "http://127.0.0.1:1"));

    [Fact]
    public Task A_relative_fhirUser_is_refused() =>
        ShouldBeRefusedAsync(server.Issuer.Mint(Doctor.Subject, Doctor.Role, "urn:uuid:abc"));

    [Fact]
    public Task An_unknown_role_is_refused() =>
        ShouldBeRefusedAsync(server.Issuer.Mint(Doctor.Subject, "superuser", Doctor.FhirUser));

    [Fact]
    public Task A_malformed_key_fingerprint_is_refused() =>
        ShouldBeRefusedAsync(server.Issuer.Mint(Doctor.Subject, Doctor.Role, Doctor.FhirUser, keyFingerprint: "abc"));

    [Fact]
    public async Task Garbage_is_refused_without_detail()
    {
        using var client = server.Client("not-a-jwt");
        var response = await client.GetAsync("/fhir/Patient");
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.ToString().ShouldContain("invalid_token");
        (await response.Content.ReadAsStringAsync()).ShouldNotContain("not-a-jwt");
    }

    [Fact]
    public async Task Tokens_still_validate_while_the_SRS_is_down()
    {
        using (var warm = server.As(Doctor))
        {
            (await warm.GetAsync("/fhir/Practitioner")).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        server.Issuer.Up = false;
        try
        {
            using var client = server.As(Doctor);
            (await client.GetAsync("/fhir/Practitioner")).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        finally
        {
            server.Issuer.Up = true;
        }
    }

    [Fact]
    public async Task Startup_without_an_authority_fails_with_a_clear_message()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync("fhirnoauth");
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
            builder.UseSetting("ConnectionStrings:Fhir", database.ConnectionString));
        var failure = Should.Throw<InvalidOperationException>(() => factory.CreateClient());
        failure.Message.ShouldContain("Fhir:Auth:Authority");
    }

    private async Task ShouldBeRefusedAsync(string token)
    {
        using var client = server.Client(token);
        var response = await client.GetAsync("/fhir/Practitioner");
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.ToString().ShouldStartWith("Bearer");
        (await response.OutcomeCodeAsync()).ShouldBe("login");
    }
}
