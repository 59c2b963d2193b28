using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SeSPHR.Srs.Tests.Infrastructure;
using SeSPHR.Testing;

namespace SeSPHR.Srs.Tests.Health;

/// <summary>
/// A database that is down, or a connection pool that is used up, is a 503 problem+json with
/// Retry-After that names neither the database nor the exception, never a 500; the SRS answers
/// normally again once connections are free.
/// </summary>
public sealed class DatabaseUnavailableTests
{
    [Fact]
    public async Task Given_the_connection_pool_is_used_up_When_a_request_needs_the_database_Then_503_problem_json_with_Retry_After_and_200_once_free()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync("srs-pool");
        var connectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxPoolSize = 1, Timeout = 1 }.ConnectionString;
        var data = Directory.CreateTempSubdirectory("srs-test-");
        try
        {
            await using var host = new SrsHost(connectionString, data.FullName);
            using var http = host.CreateClient();
            await WaitHealthyAsync(http);

            HttpResponseMessage exhausted;
            await using (var held = await host.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync())
                exhausted = await http.GetAsync("/api/accounts/kdf?username=someone");

            await ExpectUnavailableAsync(exhausted, database.Name);
            // Also the first request of the process: OpenIddict's options (the signing keys, read from the
            // database) failed to build under it, and must not stay failed once the pool has room again.
            var recovered = await http.GetAsync("/api/accounts/kdf?username=someone");
            recovered.StatusCode.ShouldBe(HttpStatusCode.OK, string.Join("\n", host.Log.Where(l => l.Contains("Warning") || l.Contains("Error"))));
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Given_no_database_listening_When_a_request_needs_the_database_Then_503_problem_json_with_Retry_After()
    {
        var data = Directory.CreateTempSubdirectory("srs-test-");
        try
        {
            await using var host = new SrsHost("Host=127.0.0.1;Port=1;Database=srs_down;Username=srs;Password=not-a-secret;Timeout=2", data.FullName);
            using var http = host.CreateClient();

            await ExpectUnavailableAsync(await http.GetAsync("/api/accounts/kdf?username=someone"), "srs_down");
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    private static async Task ExpectUnavailableAsync(HttpResponseMessage response, string databaseName)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, body);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        response.Headers.RetryAfter.ShouldNotBeNull();
        body.ShouldNotContain(databaseName);
        body.ShouldNotContain("Npgsql");
        body.ShouldNotContain("127.0.0.1");
    }

    private static async Task WaitHealthyAsync(HttpClient http)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if ((await http.GetAsync("/healthz")).IsSuccessStatusCode)
                return;
            await Task.Delay(100);
        }

        throw new InvalidOperationException("The SRS did not become healthy within 30 s.");
    }
}
