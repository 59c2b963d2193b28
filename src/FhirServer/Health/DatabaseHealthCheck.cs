using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Health;

/// <summary>Healthy when the FhirServer's own database answers and its schema is in place.</summary>
public sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource, SchemaMigration migration) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return migration.IsComplete ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("schema not applied yet");
        }
        catch (NpgsqlException)
        {
            return HealthCheckResult.Unhealthy("database unreachable");
        }
    }
}
