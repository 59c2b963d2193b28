using System.Net;
using System.Text;
using SeSPHR.Srs.Tests.Infrastructure;

namespace SeSPHR.Srs.Tests.Security;

/// <summary>
/// Every string the SRS accepts, in a query, a path, a form or a JSON body, anonymous or
/// authenticated, answers 400 when it holds a character PostgreSQL cannot store (NUL), a lone
/// surrogate, or far more than any field allows: never a 500.
/// </summary>
public sealed class UnstorableInputTests(SrsFixture srs) : IClassFixture<SrsFixture>
{
    private const string Overlong = "overlong";

    /// <summary>The bad value as it travels in a JSON string (escaped) and in a URL or form (percent-encoded).</summary>
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var endpoint in Endpoints.Keys)
        {
            foreach (var value in new[] { "nul", "surrogate", Overlong })
            {
                // The server's URL decoder refuses a NUL in the path itself, before any middleware
                // (Kestrel answers 400; the test server's client throws).
                if (!(endpoint.EndsWith(" path", StringComparison.Ordinal) && value == "nul"))
                    data.Add(endpoint, value);
            }
        }

        return data;
    }

    private static readonly Dictionary<string, Func<Bad, Caller, HttpRequestMessage>> Endpoints = new()
    {
        ["kdf username"] = (bad, _) => Get($"/api/accounts/kdf?username={bad.Url}"),
        ["login username"] = (bad, _) => Json(HttpMethod.Post, "/account/login", $$"""{"username":"{{bad.Json}}","authSecret":"{{Secret}}"}"""),
        ["registration username"] = (bad, _) => Json(HttpMethod.Post, "/api/accounts", Registration("username", bad)),
        ["registration fhirUser"] = (bad, _) => Json(HttpMethod.Post, "/api/accounts", Registration("fhirUser", bad)),
        ["registration role"] = (bad, _) => Json(HttpMethod.Post, "/api/accounts", Registration("role", bad)),
        ["enrolment code"] = (bad, _) => Json(HttpMethod.Post, "/api/enrolment", Registration("code", bad)),
        ["token client_id"] = (bad, _) => Form("/connect/token", $"grant_type=client_credentials&client_id={bad.Url}&client_secret=x&scope=srs.reencrypt"),
        ["token client_secret"] = (bad, _) => Form("/connect/token", $"grant_type=client_credentials&client_id=sesphr-fhir&client_secret={bad.Url}&scope=srs.reencrypt"),
        ["token refresh_token"] = (bad, _) => Form("/connect/token", $"grant_type=refresh_token&client_id=sesphr-app&refresh_token={bad.Url}"),
        ["token code"] = (bad, _) => Form("/connect/token", $"grant_type=authorization_code&client_id=sesphr-app&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback&code={bad.Url}&code_verifier=v"),
        ["authorize client_id"] = (bad, _) => Get($"/connect/authorize?response_type=code&client_id={bad.Url}&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback&scope=openid&code_challenge=c&code_challenge_method=S256"),
        ["directory fhirUser"] = (bad, caller) => caller.Patient(Get($"/api/directory?fhirUser={bad.Url}")),
        ["directory username"] = (bad, caller) => caller.Patient(Get($"/api/directory?username={bad.Url}")),
        ["directory role"] = (bad, caller) => caller.Admin(Get($"/api/directory?role={bad.Url}")),
        ["grants consentId"] = (bad, caller) => caller.Patient(Get($"/api/grants?consentId={bad.Url}")),
        ["pending members consentId"] = (bad, caller) => caller.Patient(Get($"/api/grants/pending-members?consentId={bad.Url}")),
        ["grant upload consentId"] = (bad, caller) => caller.Patient(Json(HttpMethod.Post, "/api/grants", $$"""{"consentId":"{{bad.Json}}","grantStatement":"AA==","kfrags":[]}""")),
        ["client registration clientId"] = (bad, caller) => caller.Admin(Json(HttpMethod.Post, "/api/clients", $$"""{"clientId":"{{bad.Json}}","jwks":{"keys":[]},"userId":"{{Guid.NewGuid()}}","scopes":["system/*.rs"]}""")),
        ["client registration kid"] = (bad, caller) => caller.Admin(Json(HttpMethod.Post, "/api/clients", $$"""{"clientId":"ehr-x","jwks":{"keys":[{"kty":"EC","crv":"P-256","kid":"{{bad.Json}}","x":"AA","y":"AA"}]},"userId":"{{Guid.NewGuid()}}","scopes":["system/*.rs"]}""")),
        ["reconcile path"] = (bad, caller) => caller.Service(Json(HttpMethod.Put, $"/api/consents/{bad.Url}/grants", """{"patient":"Patient/p1","grants":[]}""")),
        ["reconcile patient"] = (bad, caller) => caller.Service(Json(HttpMethod.Put, "/api/consents/c1/grants", $$"""{"patient":"{{bad.Json}}","grants":[]}""")),
        ["reconcile grantee"] = (bad, caller) => caller.Service(Json(HttpMethod.Put, "/api/consents/c1/grants", $$"""{"patient":"Patient/p1","grants":[{"granteeFhirUser":"{{bad.Json}}","section":"vitals","actions":["read"]}]}""")),
        ["reencrypt ref"] = (bad, caller) => caller.Service(Json(HttpMethod.Post, "/api/reencrypt", $$"""{"granteeId":"{{Guid.NewGuid()}}","items":[{"ref":"{{bad.Json}}","patient":"Patient/p1","section":"vitals","epoch":1,"capsule":"AA=="}]}""")),
        ["reencrypt patient"] = (bad, caller) => caller.Service(Json(HttpMethod.Post, "/api/reencrypt", $$"""{"granteeId":"{{Guid.NewGuid()}}","items":[{"ref":"r","patient":"{{bad.Json}}","section":"vitals","epoch":1,"capsule":"AA=="}]}""")),
    };

    private static readonly string Secret = Convert.ToBase64String(new byte[32]);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Given_a_string_PostgreSQL_cannot_store_or_far_too_long_When_sent_to_an_endpoint_Then_400_problem_json(string endpoint, string value)
    {
        var bad = value switch
        {
            "nul" => new Bad(@"a\u0000b", "a%00b"),
            "surrogate" => new Bad(@"a\ud800b", "a%ED%A0%80b"),
            _ => new Bad(new string('a', 5000), new string('a', 5000)),
        };
        var caller = new Caller(srs);
        using var request = Endpoints[endpoint](bad, caller);
        await caller.AuthorizeAsync(request);
        using var http = srs.Host.CreateClient();

        using var response = await http.SendAsync(request);

        var body = await response.Content.ReadAsStringAsync();
        if (endpoint.StartsWith("token client", StringComparison.Ordinal) && value == "surrogate")
        {
            // A form value is not UTF-8-decoded where its bytes are not UTF-8: the client presents
            // the percent-escapes themselves, a wrong but storable credential (OAuth's invalid_client).
            response.StatusCode.ShouldBeOneOf(HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized);
            return;
        }

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, body);
        if (!endpoint.StartsWith("token", StringComparison.Ordinal) && !endpoint.StartsWith("authorize", StringComparison.Ordinal))
            response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
    }

    private static HttpRequestMessage Get(string path) => new(HttpMethod.Get, path);

    private static HttpRequestMessage Json(HttpMethod method, string path, string json) =>
        new(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    private static HttpRequestMessage Form(string path, string form) =>
        new(HttpMethod.Post, path) { Content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded") };

    // A registration body that would be accepted but for the one bad field (and a code for enrolment).
    private static string Registration(string field, Bad bad)
    {
        var (body, _, _, _) = SrsFlows.RegistrationBody(SrsFixture.Unique("inp"), "patient", "Patient/" + Guid.NewGuid().ToString("N"));
        var json = System.Text.Json.JsonSerializer.SerializeToNode(body)!.AsObject();
        json[field] = "PLACEHOLDER";
        if (field == "code")
            json.Remove("role");
        return json.ToJsonString().Replace("PLACEHOLDER", bad.Json, StringComparison.Ordinal);
    }

    private sealed record Bad(string Json, string Url);

    /// <summary>Adds the bearer token an endpoint needs, signed in once per test.</summary>
    private sealed class Caller(SrsFixture srs)
    {
        private Func<Task<string>>? _token;

        public HttpRequestMessage Patient(HttpRequestMessage request)
        {
            _token = async () =>
            {
                var patient = await SrsFlows.RegisterAsync(srs.Host.CreateClient(), SrsFixture.Unique("inp"), "patient", "Patient/" + Guid.NewGuid().ToString("N"));
                return (await SrsFlows.SignInAsync(srs.Host, patient, "openid srs.account srs.grants")).AccessToken;
            };
            return request;
        }

        public HttpRequestMessage Admin(HttpRequestMessage request)
        {
            _token = () => Task.FromResult(srs.AdminToken);
            return request;
        }

        public HttpRequestMessage Service(HttpRequestMessage request)
        {
            _token = async () => (await SrsFlows.ReadTokenAsync(await SrsFlows.ClientSecretAsync(
                srs.Host.CreateClient(), "sesphr-fhir", SrsHost.FhirServiceSecret, "srs.reencrypt srs.revoke"))).AccessToken;
            return request;
        }

        public async Task AuthorizeAsync(HttpRequestMessage request)
        {
            if (_token is not null)
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await _token());
        }
    }
}
