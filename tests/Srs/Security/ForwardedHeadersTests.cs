using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SeSPHR.Srs.Tests.Infrastructure;
using SeSPHR.Testing;

namespace SeSPHR.Srs.Tests.Security;

/// <summary>
/// Forwarded headers count only from the proxies the operator names: behind one, each client has
/// its own rate-limit bucket; from anyone else, a forged X-Forwarded-For buys no fresh bucket.
/// </summary>
public sealed class ForwardedHeadersTests : IAsyncLifetime
{
    private const string Proxy = "10.0.0.5";
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestPostgres.CreateDatabaseAsync("srs-forwarded");

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task Given_a_configured_proxy_When_two_clients_sign_in_through_it_Then_each_has_its_own_rate_limit_and_the_forwarded_scheme_counts()
    {
        await using var srs = Host(new() { ["Srs:KnownProxies:0"] = Proxy });
        using var http = srs.CreateClient();

        var first = await LoginStatusesAsync(http, "203.0.113.1", 3);
        var second = await LoginStatusesAsync(http, "203.0.113.2", 1);

        first.ShouldBe([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests]);
        second.ShouldBe([HttpStatusCode.Unauthorized]);
        (await IssuerAsync(http, "https")).ShouldStartWith("https://");
    }

    [Fact]
    public async Task Given_a_caller_that_is_not_a_configured_proxy_When_it_sends_forwarded_headers_Then_they_are_ignored()
    {
        await using var srs = Host(new() { ["Srs:KnownNetworks:0"] = "192.168.0.0/16" });
        using var http = srs.CreateClient();

        var forged = new List<HttpStatusCode>();
        foreach (var address in new[] { "203.0.113.1", "203.0.113.2", "203.0.113.3" })
            forged.AddRange(await LoginStatusesAsync(http, address, 1));

        forged.ShouldBe([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests]);
        (await IssuerAsync(http, "https")).ShouldStartWith("http://");
    }

    [Fact]
    public async Task Given_a_malformed_proxy_setting_When_the_SRS_starts_Then_it_refuses_and_names_the_setting()
    {
        await using var srs = Host(new() { ["Srs:KnownNetworks:0"] = "10.0.0.0/99" });
        Should.Throw<InvalidOperationException>(() => srs.CreateClient()).Message.ShouldContain("Srs:KnownNetworks");
    }

    /// <summary>An SRS whose every connection comes from <see cref="Proxy"/>, with a login limit of two per address.</summary>
    private WebApplicationFactoryWithRemote Host(Dictionary<string, string?> settings)
    {
        settings["Srs:RateLimits:Login:PermitLimit"] = "2";
        return new WebApplicationFactoryWithRemote(new SrsHost(_database.ConnectionString, Directory.CreateTempSubdirectory("srs-test-").FullName, settings));
    }

    private static async Task<List<HttpStatusCode>> LoginStatusesAsync(HttpClient http, string clientAddress, int count)
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < count; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/account/login")
            {
                Content = JsonContent.Create(new { username = "nobody", authSecret = Convert.ToBase64String(new byte[32]) }),
            };
            request.Headers.Add("X-Forwarded-For", clientAddress);
            statuses.Add((await http.SendAsync(request)).StatusCode);
        }

        return statuses;
    }

    private static async Task<string> IssuerAsync(HttpClient http, string forwardedProto)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/openid-configuration");
        request.Headers.Add("X-Forwarded-Proto", forwardedProto);
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        var response = await http.SendAsync(request);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("issuer").GetString()!;
    }

    /// <summary>The SRS with the test server's connections coming from the proxy's address (the test server sets none).</summary>
    private sealed class WebApplicationFactoryWithRemote(SrsHost inner) : IAsyncDisposable
    {
        private readonly Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> _host = inner.WithWebHostBuilder(builder =>
            builder.ConfigureTestServices(services => services.AddSingleton<IStartupFilter>(new FromProxy())));

        public HttpClient CreateClient() => _host.CreateClient();

        public async ValueTask DisposeAsync()
        {
            await _host.DisposeAsync();
            await inner.DisposeAsync();
        }
    }

    private sealed class FromProxy : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((HttpContext context, RequestDelegate following) =>
            {
                context.Connection.RemoteIpAddress = IPAddress.Parse(Proxy);
                return following(context);
            });
            next(app);
        };
    }
}
