using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SeSPHR.Srs.Features.Grants;
using SeSPHR.Srs.Security;

namespace SeSPHR.Srs.Tests.Grants;

public sealed class ReencryptRateLimitTests
{
    [Fact]
    public async Task Given_the_reencrypt_policy_at_1_per_second_When_a_client_sends_a_burst_Then_calls_beyond_the_bucket_are_refused_with_429()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration["Srs:ReencryptRequestsPerSecond"] = "1";
        // Long enough that the sweep never runs during the test; it has no database here.
        builder.Configuration["Srs:PendingGrantSweepInterval"] = "01:00:00";
        builder.Services.AddGrants(builder.Configuration);
        // AddGrants expects the SRS's data source (the re-encryption log's writer); never opened here.
        builder.Services.AddSingleton(Npgsql.NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Database=none"));
        builder.Services.AddSrsRateLimits(builder.Configuration);
        await using var app = builder.Build();
        app.UseCallerRateLimits();
        app.MapPost("/api/reencrypt", () => Results.Ok()).WithMetadata(GrantsModule.ReencryptBucket);
        await app.StartAsync();
        using var client = app.GetTestClient();

        // Twenty at once: the bucket holds two and refills one a second, so however slow the machine
        // (each second adds one), most are refused.
        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.PostAsync(new Uri("/api/reencrypt", UriKind.Relative), null)));
        var seconds = (int)Math.Ceiling(elapsed.Elapsed.TotalSeconds);
        var statuses = responses.Select(r => r.StatusCode).ToList();
        foreach (var response in responses)
            response.Dispose();

        statuses.Count(s => s == HttpStatusCode.OK).ShouldBeInRange(2, 2 + seconds);
        statuses.Count(s => s == HttpStatusCode.TooManyRequests).ShouldBe(20 - statuses.Count(s => s == HttpStatusCode.OK));
        await app.StopAsync();
    }
}
