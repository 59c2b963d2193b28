using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SeSPHR.FhirServer.Tests.Infrastructure;

namespace SeSPHR.FhirServer.Tests.Schema;

/// <summary>
/// The session settings every FhirServer connection starts with (AddFhirStorage): short FHIR
/// queries are neither JIT-compiled nor spread over parallel workers, whose start-up was most of a
/// grantee's Bundle.total count.
/// </summary>
public sealed class SessionSettingsTests(FhirServerFixture server) : IClassFixture<FhirServerFixture>
{
    [Theory]
    [InlineData("jit", "off")]
    [InlineData("plan_cache_mode", "force_generic_plan")]
    [InlineData("max_parallel_workers_per_gather", "0")]
    public async Task A_connection_of_the_server_runs_with(string setting, string value)
    {
        await using var connection = await server.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
        await using var command = new NpgsqlCommand($"SHOW {setting}", connection);
        ((string)(await command.ExecuteScalarAsync())!).ShouldBe(value);
    }
}
