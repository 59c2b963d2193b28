using Npgsql;
using SeSPHR.Srs.Features.Accounts;
using SeSPHR.Srs.Features.OAuth;
using SeSPHR.Srs.Security;

namespace SeSPHR.Srs.Storage;

/// <summary>
/// Start-up work: schema migrations, server keys (sealed, rotated when due), seeded OAuth clients, and the first admin's enrolment code.
/// An unreachable database does not stop the process: /healthz then reports it, and the work
/// runs again at the next start.
/// </summary>
public sealed partial class SrsStartup(IServiceScopeFactory scopes, SchemaGate schema, ServerKeyRing keys, ILogger<SrsStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await schema.EnsureAsync(cancellationToken);
            await keys.ReloadAsync(cancellationToken);
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<ClientSeeder>().SeedAsync(cancellationToken);
            await scope.ServiceProvider.GetRequiredService<Enrolment>().OfferAtFirstStartAsync(cancellationToken);
        }
        catch (Exception failure) when (failure is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException ||
                                         failure.InnerException is NpgsqlException)
        {
            LogDatabaseUnreachable(logger, failure.GetType().Name);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Error, Message = "The SRS database is unreachable at start ({Failure}); the SRS is not ready until it is.")]
    private static partial void LogDatabaseUnreachable(ILogger logger, string failure);
}
