using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using SeSPHR.Testing;

namespace SeSPHR.Srs.Tests.Health;

public sealed class HealthTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestPostgres.CreateDatabaseAsync("srs");

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task Given_its_database_When_healthz_is_requested_Then_healthy()
    {
        await using var srs = Start(_database.ConnectionString);

        var response = await srs.CreateClient().GetAsync("/healthz");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Given_an_unreachable_database_When_healthz_is_requested_Then_503()
    {
        await using var srs = Start("Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none;Timeout=2");

        var response = await srs.CreateClient().GetAsync("/healthz");

        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
    }

    [Fact]
    public void Given_no_connection_string_When_started_Then_it_refuses_to_start_and_says_what_is_missing()
    {
        using var srs = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b.UseSetting("ConnectionStrings:Srs", ""));

        var failure = Should.Throw<InvalidOperationException>(() => srs.CreateClient());

        failure.Message.ShouldContain("ConnectionStrings__Srs");
    }

    private static WebApplicationFactory<Program> Start(string connectionString) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(b => b
            .UseSetting("ConnectionStrings:Srs", connectionString)
            .UseSetting("Srs:KeyEncryptionKey", Infrastructure.SrsHost.KeyEncryptionKey));
}
