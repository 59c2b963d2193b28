using System.Net;
using System.Net.Http.Json;
using SeSPHR.Srs.Tests.Infrastructure;

namespace SeSPHR.Srs.Tests.Security;

/// <summary>
/// Limits run after authentication: an authenticated endpoint is limited per validated client, and a
/// caller without a valid token is refused before it reaches any limiter, so a flood of anonymous
/// calls costs the callers it floods for nothing.
/// </summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task Given_an_anonymous_flood_of_reencrypt_calls_When_the_FhirServer_asks_for_reencryption_meanwhile_Then_every_call_of_it_is_answered_and_the_flood_gets_401()
    {
        await using var srs = await OwnSrs.StartAsync("srs-flood", new Dictionary<string, string?> { ["Srs:ReencryptRequestsPerSecond"] = "5" });
        using var http = srs.Host.CreateClient();
        var token = (await SrsFlows.ReadTokenAsync(
            await SrsFlows.ClientSecretAsync(http, "sesphr-fhir", SrsHost.FhirServiceSecret, "srs.reencrypt"))).AccessToken;
        using var fhir = SrsFlows.WithBearer(srs.Host, token);
        var body = new
        {
            granteeId = Guid.NewGuid().ToString(),
            items = new[] { new { @ref = "Observation/o1", patient = "Patient/p1", section = "vitals", epoch = 1, capsule = Convert.ToBase64String(new byte[98]) } },
        };

        using var stop = new CancellationTokenSource();
        var flood = Enumerable.Range(0, 4).Select(_ => FloodAsync(srs.Host, stop.Token)).ToArray();
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            await Task.Delay(250);
            using var response = await fhir.PostAsJsonAsync("/api/reencrypt", body);
            answers.Add(response.StatusCode);
        }

        await stop.CancelAsync();
        var flooded = (await Task.WhenAll(flood)).SelectMany(statuses => statuses).ToList();
        flooded.Count.ShouldBeGreaterThan(50);
        flooded.ShouldAllBe(status => status == HttpStatusCode.Unauthorized);
        answers.ShouldAllBe(status => status == HttpStatusCode.OK);
    }

    [Fact]
    public async Task Given_a_per_caller_limit_When_one_user_exceeds_it_Then_they_get_429_and_another_user_and_anonymous_callers_are_not_counted()
    {
        await using var srs = await OwnSrs.StartAsync("srs-caller-limit", new Dictionary<string, string?>
        {
            ["Srs:RateLimits:Caller:PermitLimit"] = "5",
            ["Srs:RateLimits:Caller:WindowSeconds"] = "3600",
        });
        var http = srs.Host.CreateClient();
        var busy = await SrsFlows.RegisterAsync(http, "busy", "patient", "Patient/busy");
        var quiet = await SrsFlows.RegisterAsync(http, "quiet", "patient", "Patient/quiet");
        using var asBusy = SrsFlows.WithBearer(srs.Host, (await SrsFlows.SignInAsync(srs.Host, busy, "openid srs.account")).AccessToken);
        using var asQuiet = SrsFlows.WithBearer(srs.Host, (await SrsFlows.SignInAsync(srs.Host, quiet, "openid srs.account")).AccessToken);

        for (var i = 0; i < 20; i++)
            (await http.GetAsync(new Uri("/api/accounts/me", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
            statuses.Add((await asBusy.GetAsync(new Uri("/api/accounts/me", UriKind.Relative))).StatusCode);

        statuses.Take(5).ShouldAllBe(status => status == HttpStatusCode.OK);
        statuses.Skip(5).ShouldAllBe(status => status == HttpStatusCode.TooManyRequests);
        (await asQuiet.GetAsync(new Uri("/api/accounts/me", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    // A bounded loop of unauthenticated {} bodies from another address, as fast as the test server answers.
    private static async Task<List<HttpStatusCode>> FloodAsync(SrsHost host, CancellationToken stop)
    {
        using var attacker = host.ClientAt("127.0.0.2");
        var statuses = new List<HttpStatusCode>();
        while (!stop.IsCancellationRequested && statuses.Count < 5000)
        {
            using var content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
            using var response = await attacker.PostAsync(new Uri("/api/reencrypt", UriKind.Relative), content, CancellationToken.None);
            statuses.Add(response.StatusCode);
        }

        return statuses;
    }
}
