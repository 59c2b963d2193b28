using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using SeSPHR.Srs.Features.Grants;

namespace SeSPHR.Srs.Tests.Grants;

public sealed class ReencryptRateLimitTests
{
    [Fact]
    public async Task Given_the_reencrypt_policy_at_1_per_second_When_a_client_sends_a_burst_Then_the_third_call_is_refused_with_429()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration["Srs:ReencryptRequestsPerSecond"] = "1";
        // Long enough that the sweep never runs during the test; it has no database here.
        builder.Configuration["Srs:PendingGrantSweepInterval"] = "01:00:00";
        builder.Services.AddGrants(builder.Configuration);
        builder.Services.AddRateLimiter(limiter => limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests);
        await using var app = builder.Build();
        app.UseRateLimiter();
        app.MapPost("/api/reencrypt", () => Results.Ok()).RequireRateLimiting(GrantsModule.ReencryptRateLimit);
        await app.StartAsync();
        using var client = app.GetTestClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await client.PostAsync(new Uri("/api/reencrypt", UriKind.Relative), null);
            statuses.Add(response.StatusCode);
        }

        statuses.ShouldBe([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests]);
        await app.StopAsync();
    }
}
