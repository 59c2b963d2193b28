using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Mvc.Testing;
using SeSPHR.FhirServer.Tests.Features.Access.Enforcement;
using SeSPHR.FhirServer.Tests.Infrastructure;
using SeSPHR.Testing;

namespace SeSPHR.FhirServer.Tests.Features.Access.Srs;

/// <summary>
/// A token is a signed JWT the FhirServer checks offline; only the SRS's list of suspended accounts
/// tells it that a valid-looking token belongs to someone an admin has shut out. A FhirServer that
/// cannot load that list (a wrong service secret, an SRS that is not there) or whose list has gone
/// stale past its bound cannot tell, so it refuses user tokens with 503 and Retry-After, and its
/// <c>/healthz</c> says so, until the list is current again.
/// </summary>
public sealed class SuspendedAccountListTests : IAsyncLifetime
{
    private static readonly TestUser Doctor = AccessData.Doctor;

    private FakeSrs _srs = null!;
    private TestDatabase _database = null!;

    private TestIssuer Issuer { get; } = new();

    public async Task InitializeAsync()
    {
        _srs = await FakeSrs.StartAsync();
        _database = await TestPostgres.CreateDatabaseAsync("fhirsuspended");
    }

    public async Task DisposeAsync()
    {
        await _srs.DisposeAsync();
        await Issuer.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Given_a_wrong_service_secret_When_a_valid_user_token_arrives_Then_503_with_Retry_After_and_healthz_is_unhealthy()
    {
        await using var host = Host(secret: "not-the-service-secret");
        using var client = Client(host, Mint(Doctor));
        await WaitUntilAsync(() => _srs.TokenRequests.Count >= 2);

        var response = await client.GetAsync("/fhir/Practitioner");

        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        response.Headers.RetryAfter.ShouldNotBeNull();
        (await response.OutcomeCodeAsync()).ShouldBe("transient");
        (await client.GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        _srs.ApiRequests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Given_the_right_service_secret_When_the_list_is_loaded_Then_the_same_token_is_accepted_and_healthz_is_healthy()
    {
        await using var host = Host(secret: FakeSrs.Secret);
        using var client = Client(host, Mint(Doctor));
        await WaitUntilHealthyAsync(client);

        (await client.GetAsync("/fhir/Practitioner")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Given_a_loaded_list_When_the_SRS_fails_past_the_staleness_bound_Then_user_tokens_are_refused_until_it_answers_again()
    {
        await using var host = Host(secret: FakeSrs.Secret, maxStaleness: "00:00:02");
        using var client = Client(host, Mint(Doctor));
        await WaitUntilHealthyAsync(client);

        _srs.ForcedStatus = 503;
        // Within the bound the last list stays in force: a short SRS outage does not stop the FhirServer.
        (await client.GetAsync("/fhir/Practitioner")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await WaitUntilAsync(async () => (await client.GetAsync("/healthz")).StatusCode == HttpStatusCode.ServiceUnavailable);
        var refused = await client.GetAsync("/fhir/Practitioner");

        _srs.ForcedStatus = null;
        await WaitUntilHealthyAsync(client);
        var again = await client.GetAsync("/fhir/Practitioner");

        refused.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        refused.Headers.RetryAfter.ShouldNotBeNull();
        again.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Given_a_suspended_account_on_the_list_When_its_earlier_token_arrives_Then_401()
    {
        var suspended = Guid.NewGuid();
        await using var host = Host(secret: FakeSrs.Secret);
        _srs.Withdrawn[suspended] = DateTimeOffset.UtcNow.AddMinutes(1);
        using var client = Client(host, Mint(Doctor with { Subject = suspended.ToString() }));
        await WaitUntilHealthyAsync(client);

        var response = await client.GetAsync("/fhir/Practitioner");

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await response.OutcomeCodeAsync()).ShouldBe("login");
    }

    private WebApplicationFactory<Program> Host(string secret, string maxStaleness = "00:05:00") =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("ConnectionStrings:Fhir", _database.ConnectionString);
            builder.UseSetting("Fhir:Auth:Authority", Issuer.BaseUrl);
            builder.UseSetting("Fhir:Srs:BaseUrl", _srs.BaseUrl.ToString());
            builder.UseSetting("Fhir:Srs:ClientSecret", secret);
            builder.UseSetting("Fhir:Srs:WithdrawnPollInterval", "00:00:00.200");
            builder.UseSetting("Fhir:Srs:WithdrawnMaxStaleness", maxStaleness);
        });

    private string Mint(TestUser user) => Issuer.Mint(user.Subject, user.Role, user.FhirUser, user.Scope, user.KeyFingerprint);

    private static HttpClient Client(WebApplicationFactory<Program> host, string token)
    {
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static Task WaitUntilHealthyAsync(HttpClient client) =>
        WaitUntilAsync(async () => (await client.GetAsync("/healthz")).IsSuccessStatusCode);

    private static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("The condition did not hold within 30 s.");
    }
}
