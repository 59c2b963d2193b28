using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SeSPHR.SystemTests.Scenarios.Support;

/// <summary>
/// The SRS as the FhirServer's service client sees it (src/Srs/API.md): a client-credentials token
/// for <c>sesphr-fhir</c> with the secret the harness configured, and <c>POST /api/reencrypt</c>.
/// It lets a test ask for re-encryption directly, as an attacker holding the FhirServer's
/// credentials would, instead of through the FhirServer's Consent check.
/// </summary>
public sealed class SrsServiceClient(Uri srs, string clientSecret) : IDisposable
{
    public const string ClientId = "sesphr-fhir";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private readonly HttpClient _http = new() { BaseAddress = srs, Timeout = TimeSpan.FromSeconds(30) };

    public async Task<string> TokenAsync(string scope = SrsScopes.Reencrypt + " " + SrsScopes.Revoke)
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = ClientId,
            ["client_secret"] = clientSecret,
            ["scope"] = scope,
        });
        using var response = await _http.PostAsync("connect/token", form);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, "the FhirServer's service client could not get a token with the configured secret");
        return (await response.Content.ReadFromJsonAsync<TokenResponse>(Json))!.AccessToken!;
    }

    /// <summary>POST /api/reencrypt; the status and, on 200, the items.</summary>
    public async Task<(HttpStatusCode Status, IReadOnlyList<ReencryptItemResult> Items)> ReencryptAsync(string granteeUserId, IReadOnlyList<ReencryptItem> items)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/reencrypt")
        {
            Content = JsonContent.Create(new ReencryptRequest(granteeUserId, items), options: Json),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync());
        using var response = await _http.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (response.StatusCode, []);
        }

        var answer = await response.Content.ReadFromJsonAsync<ReencryptResponse>(Json);
        return (response.StatusCode, answer?.Items ?? []);
    }

    public void Dispose() => _http.Dispose();
}
