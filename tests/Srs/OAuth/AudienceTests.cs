using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SeSPHR.Srs.Tests.Infrastructure;

namespace SeSPHR.Srs.Tests.OAuth;

/// <summary>
/// A token is good for the FhirServer or for the SRS, never both: the FhirServer is the untrusted
/// cloud, so a token a client hands it must open nothing at the SRS. The audience follows the
/// scopes asked for (FHIR scopes: <c>sesphr-fhir</c>; <c>srs.*</c> scopes: <c>sesphr-srs</c>), and a
/// request that mixes them is refused.
/// </summary>
public sealed class AudienceTests(SrsFixture srs) : IClassFixture<SrsFixture>
{
    private const string PatientFhirScope = "openid fhirUser offline_access launch/patient patient/*.cruds";
    private const string ProfessionalFhirScope = "openid fhirUser offline_access user/*.cruds";
    private const string PatientSrsScope = SrsFlows.PatientSrsScope;

    private readonly HttpClient _http = srs.Host.CreateClient();

    /// <summary>Every SRS endpoint that needs a token: method, path (<c>{user}</c> is a real user id), body.</summary>
    public static TheoryData<string, string, string?> AuthenticatedEndpoints => new()
    {
        { "GET", "/api/accounts/me", null },
        { "GET", "/api/accounts/me/backup", null },
        { "POST", "/api/accounts/{user}/approval", null },
        { "DELETE", "/api/accounts/{user}/approval", null },
        { "POST", "/api/accounts/{user}/suspension", null },
        { "GET", "/api/accounts/withdrawn", null },
        { "GET", "/api/directory/users/{user}", null },
        { "GET", "/api/directory?role=patient", null },
        { "GET", "/api/directory?fhirUser=Patient/x", null },
        { "GET", "/api/grants?consentId=Consent/c1", null },
        { "GET", "/api/grants/pending-members", null },
        { "POST", "/api/grants", "{}" },
        { "PUT", "/api/consents/c1/grants", """{"patient":"Patient/x","grants":[]}""" },
        { "POST", "/api/reencrypt", """{"granteeId":"00000000-0000-0000-0000-000000000001","items":[]}""" },
        { "POST", "/api/clients", "{}" },
    };

    [Fact]
    public async Task Given_FHIR_scopes_When_signed_in_Then_the_token_is_for_the_FhirServer_only()
    {
        var patient = await PatientAsync();

        var tokens = await SrsFlows.SignInAsync(srs.Host, patient, PatientFhirScope);

        var jwt = await SrsFlows.VerifyAsync(_http, tokens.AccessToken);
        jwt.Audiences.ShouldBe(["sesphr-fhir"]);
        jwt.GetClaim("scope").Value.Split(' ').ShouldNotContain(scope => scope.StartsWith("srs.", StringComparison.Ordinal));
        tokens.Patient.ShouldBe(patient.FhirUser["Patient/".Length..]);
    }

    [Fact]
    public async Task Given_SRS_scopes_When_signed_in_Then_the_token_is_for_the_SRS_only_and_carries_no_FHIR_scope()
    {
        var patient = await PatientAsync();

        var tokens = await SrsFlows.SignInAsync(srs.Host, patient, PatientSrsScope);

        var jwt = await SrsFlows.VerifyAsync(_http, tokens.AccessToken, audience: "sesphr-srs");
        jwt.Audiences.ShouldBe(["sesphr-srs"]);
        jwt.GetClaim("scope").Value.Split(' ').ShouldBe(["openid", "offline_access", "srs.account", "srs.grants"], ignoreOrder: true);
        using var asPatient = SrsFlows.WithBearer(srs.Host, tokens.AccessToken);
        (await asPatient.GetAsync("/api/accounts/me/backup")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("openid user/*.cruds srs.account")]
    [InlineData("patient/*.rs srs.grants")]
    [InlineData("launch/patient srs.account")]
    [InlineData("fhirUser srs.grants")]
    public async Task Given_FHIR_and_SRS_scopes_in_one_authorization_request_Then_it_is_refused_with_invalid_scope(string scope)
    {
        var patient = await PatientAsync();
        using var browser = srs.Host.Browser();
        (await SrsFlows.LoginAsync(browser, patient.Username, patient.AuthSecret)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var response = await SrsFlows.AuthorizeAsync(browser, scope, SrsFlows.NewPkce().Challenge);

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.Query.ShouldContain("error=invalid_scope");
        response.Headers.Location.Query.ShouldNotContain("code=");
    }

    [Fact]
    public async Task Given_a_refresh_token_of_each_kind_When_refreshed_Then_the_audience_stays_what_it_was()
    {
        var patient = await PatientAsync();
        var fhir = await SrsFlows.SignInAsync(srs.Host, patient, PatientFhirScope);
        var forSrs = await SrsFlows.SignInAsync(srs.Host, patient, PatientSrsScope);

        var refreshedFhir = await SrsFlows.ReadTokenAsync(await SrsFlows.RefreshAsync(_http, fhir.RefreshToken!));
        var refreshedSrs = await SrsFlows.ReadTokenAsync(await SrsFlows.RefreshAsync(_http, forSrs.RefreshToken!));

        (await SrsFlows.VerifyAsync(_http, refreshedFhir.AccessToken)).Audiences.ShouldBe(["sesphr-fhir"]);
        (await SrsFlows.VerifyAsync(_http, refreshedSrs.AccessToken, audience: "sesphr-srs")).Audiences.ShouldBe(["sesphr-srs"]);
        using var replayed = SrsFlows.WithBearer(srs.Host, refreshedFhir.AccessToken);
        (await replayed.GetAsync("/api/accounts/me/backup")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Given_an_admins_FHIR_token_When_replayed_at_the_SRS_to_approve_a_pending_practitioner_Then_401_and_the_practitioner_stays_pending()
    {
        var adminFhir = (await SrsFlows.SignInAsync(srs.Host, srs.Admin, ProfessionalFhirScope)).AccessToken;
        var name = SrsFixture.Unique("doc");
        var doctor = await SrsFlows.RegisterAsync(_http, name, "practitioner", $"Practitioner/{name}");
        using var replayed = SrsFlows.WithBearer(srs.Host, adminFhir);

        var response = await replayed.PostAsync($"/api/accounts/{doctor.UserId}/approval", null);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using var asAdmin = SrsFlows.WithBearer(srs.Host, srs.AdminToken);
        var entry = await asAdmin.GetFromJsonAsync<JsonElement>($"/api/directory/users/{doctor.UserId}");
        entry.GetProperty("status").GetString().ShouldBe("pending");
    }

    [Fact]
    public async Task Given_a_patients_FHIR_token_When_replayed_at_the_SRS_Then_neither_her_wrapped_backup_nor_her_grant_records_come_back()
    {
        var patient = await PatientAsync();
        var fhirToken = (await SrsFlows.SignInAsync(srs.Host, patient, PatientFhirScope)).AccessToken;
        using var replayed = SrsFlows.WithBearer(srs.Host, fhirToken);

        var backup = await replayed.GetAsync("/api/accounts/me/backup");
        var grants = await replayed.GetAsync("/api/grants?consentId=Consent/c1");
        var pending = await replayed.GetAsync("/api/grants/pending-members");

        foreach (var response in new[] { backup, grants, pending })
        {
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            (await response.Content.ReadAsStringAsync()).ShouldNotContain("wrappedBackup");
        }
    }

    [Theory]
    [MemberData(nameof(AuthenticatedEndpoints))]
    public async Task Given_a_FHIR_token_of_an_admin_or_a_patient_When_presented_at_any_SRS_endpoint_Then_401_problem_json(string method, string path, string? body)
    {
        var patient = await PatientAsync();
        var tokens = new[]
        {
            (await SrsFlows.SignInAsync(srs.Host, srs.Admin, ProfessionalFhirScope)).AccessToken,
            (await SrsFlows.SignInAsync(srs.Host, patient, PatientFhirScope)).AccessToken,
        };

        foreach (var token in tokens)
        {
            using var client = SrsFlows.WithBearer(srs.Host, token);
            using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{user}", patient.UserId.ToString(), StringComparison.Ordinal));
            if (body is not null)
                request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

            var response = await client.SendAsync(request);

            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, $"{method} {path}");
            response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", $"{method} {path}");
        }
    }

    private async Task<TestUser> PatientAsync()
    {
        var name = SrsFixture.Unique("pat");
        return await SrsFlows.RegisterAsync(_http, name, "patient", $"Patient/{name}");
    }
}
