using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SeSPHR.Testing;

namespace SeSPHR.FhirServer.Tests.Health;

/// <summary>
/// A database that is down, or a connection pool that is used up, is a 503 OperationOutcome
/// (transient) with Retry-After that names neither the database nor the exception, never a 500.
/// </summary>
public sealed class DatabaseUnavailableTests
{
    [Fact]
    public async Task Given_no_database_listening_When_a_resource_is_read_Then_503_transient_with_Retry_After()
    {
        await using var factory = Server("Host=127.0.0.1;Port=1;Database=fhir_down;Username=none;Password=none;Timeout=2");
        using var client = Client(factory);

        await ExpectUnavailableAsync(await client.GetAsync("/fhir/Patient/p1"), "fhir_down");
    }

    [Fact]
    public async Task Given_the_connection_pool_is_used_up_When_a_resource_is_read_Then_503_transient_with_Retry_After_and_404_once_free()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync("fhir-pool");
        var connectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxPoolSize = 1, Timeout = 1 }.ConnectionString;
        await using var factory = Server(connectionString);
        using var client = Client(factory);
        for (var attempt = 0; attempt < 300 && !(await client.GetAsync("/healthz")).IsSuccessStatusCode; attempt++)
        {
            await Task.Delay(100);
        }

        HttpResponseMessage exhausted;
        await using (var held = await factory.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync())
        {
            exhausted = await client.GetAsync("/fhir/Patient/p1");
        }

        await ExpectUnavailableAsync(exhausted, database.Name);
        (await client.GetAsync("/fhir/Patient/p1")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    private static WebApplicationFactory<Program> Server(string connectionString) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("ConnectionStrings:Fhir", connectionString);
            builder.UseSetting("Fhir:ProtectedSections", "false");
            builder.UseSetting("Fhir:Auth:Required", "false");
            builder.UseSetting("Fhir:Access:ConsentCheck", "false");
        });

    private static HttpClient Client(WebApplicationFactory<Program> factory)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
        return client;
    }

    private static async Task ExpectUnavailableAsync(HttpResponseMessage response, string databaseName)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, body);
        body.ShouldContain("OperationOutcome");
        body.ShouldContain("transient");
        response.Headers.RetryAfter.ShouldNotBeNull();
        body.ShouldNotContain(databaseName);
        body.ShouldNotContain("Npgsql");
        body.ShouldNotContain("127.0.0.1");
    }
}
