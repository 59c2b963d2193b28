using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using SeSPHR.Srs.Security;
using SeSPHR.Srs.Tests.Grants;
using SeSPHR.Srs.Tests.Infrastructure;

namespace SeSPHR.Srs.Tests.OAuth;

/// <summary>
/// The FhirServer's service token is validated once and then remembered by its exact string until
/// it expires (ServiceTokenCache): what that must never let through.
/// </summary>
public sealed class ServiceTokenCacheTests(SrsFixture srs) : IClassFixture<SrsFixture>
{
    private static readonly object NoGrantCall = new
    {
        granteeId = Guid.NewGuid().ToString(),
        items = new[] { new { @ref = "Observation/o1", patient = "Patient/p1", section = "vitals", epoch = 1, capsule = Convert.ToBase64String(new byte[98]) } },
    };

    [Fact]
    public async Task Given_a_service_token_remembered_at_the_SRS_When_the_clock_passes_its_expiry_Then_reencryption_refuses_it_with_401()
    {
        var clock = new TestClock(DateTimeOffset.UtcNow);
        await using var host = srs.Host.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        using var http = host.CreateClient();
        var token = await ServiceTokenAsync(http);
        using var fhir = WithBearer(host, token);
        (await fhir.PostAsJsonAsync("/api/reencrypt", NoGrantCall)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await fhir.PostAsJsonAsync("/api/reencrypt", NoGrantCall)).StatusCode.ShouldBe(HttpStatusCode.OK);
        host.Services.GetRequiredService<ServiceTokenCache>().Hits.ShouldBeGreaterThan(0);

        clock.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));

        var expired = await fhir.PostAsJsonAsync("/api/reencrypt", NoGrantCall);
        expired.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        expired.Headers.WwwAuthenticate.ShouldNotBeEmpty();
    }

    [Fact]
    public async Task Given_a_remembered_service_token_When_another_token_is_presented_Then_it_is_validated_in_full_and_refused()
    {
        using var http = srs.Host.CreateClient();
        var token = await ServiceTokenAsync(http);
        using var fhir = SrsFlows.WithBearer(srs.Host, token);
        (await fhir.PostAsJsonAsync("/api/reencrypt", NoGrantCall)).StatusCode.ShouldBe(HttpStatusCode.OK);

        // A user's token (valid, but not the FhirServer's client), and the service token with its signature altered.
        var name = SrsFixture.Unique("pat");
        var patient = await SrsFlows.RegisterAsync(http, name, "patient", $"Patient/{name}");
        var userToken = (await SrsFlows.SignInAsync(srs.Host, patient, SrsFlows.SrsScope)).AccessToken;
        var forged = token[..^4] + (token[^4] == 'A' ? "B" : "A") + token[^3..];

        using var asUser = SrsFlows.WithBearer(srs.Host, userToken);
        (await asUser.PostAsJsonAsync("/api/reencrypt", NoGrantCall)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using var asForger = SrsFlows.WithBearer(srs.Host, forged);
        (await asForger.PostAsJsonAsync("/api/reencrypt", NoGrantCall)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await fhir.PostAsJsonAsync("/api/reencrypt", NoGrantCall)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Given_a_remembered_service_token_without_srs_revoke_When_it_calls_a_revoke_endpoint_Then_forbidden()
    {
        using var http = srs.Host.CreateClient();
        var token = await ServiceTokenAsync(http, "srs.reencrypt");
        using var fhir = SrsFlows.WithBearer(srs.Host, token);
        (await fhir.PostAsJsonAsync("/api/reencrypt", NoGrantCall)).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await fhir.GetAsync("/api/accounts/withdrawn")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public void Given_a_remembered_token_When_its_expiry_passes_Then_it_is_forgotten()
    {
        var clock = new TestClock(DateTimeOffset.UtcNow);
        var cache = new ServiceTokenCache(clock);
        cache.Remember("token", Principal(SrsAuthorization.FhirServiceClientId, clock.Now.AddMinutes(15)));
        cache.Find("token").ShouldNotBeNull();

        clock.Advance(TimeSpan.FromMinutes(15));

        cache.Find("token").ShouldBeNull();
    }

    [Fact]
    public void Given_tokens_of_other_clients_or_without_expiry_When_remembered_Then_they_are_not_kept()
    {
        var clock = new TestClock(DateTimeOffset.UtcNow);
        var cache = new ServiceTokenCache(clock);

        cache.Remember("app", Principal("sesphr-app", clock.Now.AddMinutes(15)));
        cache.Remember("no-expiry", Principal(SrsAuthorization.FhirServiceClientId, null));

        cache.Find("app").ShouldBeNull();
        cache.Find("no-expiry").ShouldBeNull();
    }

    [Fact]
    public void Given_a_full_cache_When_another_token_is_remembered_Then_it_is_not_kept_and_the_others_stay()
    {
        var clock = new TestClock(DateTimeOffset.UtcNow);
        var cache = new ServiceTokenCache(clock);
        for (var i = 0; i < ServiceTokenCache.Capacity; i++)
            cache.Remember($"token-{i}", Principal(SrsAuthorization.FhirServiceClientId, clock.Now.AddMinutes(15)));

        cache.Remember("one-more", Principal(SrsAuthorization.FhirServiceClientId, clock.Now.AddMinutes(15)));

        cache.Find("one-more").ShouldBeNull();
        cache.Find("token-0").ShouldNotBeNull();
    }

    private static async Task<string> ServiceTokenAsync(HttpClient http, string scope = "srs.reencrypt srs.revoke") =>
        (await SrsFlows.ReadTokenAsync(await SrsFlows.ClientSecretAsync(http, SrsAuthorization.FhirServiceClientId, SrsHost.FhirServiceSecret, scope))).AccessToken;

    private static HttpClient WithBearer(WebApplicationFactory<Program> host, string token)
    {
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static ClaimsPrincipal Principal(string clientId, DateTimeOffset? expires)
    {
        var identity = new ClaimsIdentity("test");
        identity.SetClaim(OpenIddictConstants.Claims.ClientId, clientId);
        if (expires is { } at)
            identity.SetExpirationDate(at);
        return new ClaimsPrincipal(identity);
    }
}
