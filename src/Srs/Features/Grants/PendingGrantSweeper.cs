using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SeSPHR.Srs.Security;
using SeSPHR.Srs.Storage;

namespace SeSPHR.Srs.Features.Grants;

/// <summary>
/// Deletes kfrags that stayed pending longer than <see cref="GrantOptions.PendingGrantLifetime"/>: their
/// Consent was never written (the client gave up, or the FhirServer refused it), so they must not
/// wait for a later reconciliation to make them usable.
/// </summary>
public sealed partial class PendingGrantSweeper(
    IServiceScopeFactory scopes, IOptions<GrantOptions> options, TimeProvider clock, ILogger<PendingGrantSweeper> logger) : BackgroundService
{
    /// <summary>One sweep; returns how many pending kfrags were deleted.</summary>
    public static async Task<int> SweepAsync(SrsDbContext db, TimeSpan lifetime, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var cutoff = now - lifetime;
        return await db.ReencryptionKeys
            .Where(k => k.State == ReencryptionKeyState.Pending && k.CreatedAt < cutoff)
            .ExecuteDeleteAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PendingGrantSweepInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<SrsDbContext>();
                var deleted = await SweepAsync(db, options.Value.PendingGrantLifetime, clock.GetUtcNow(), stoppingToken);
                if (deleted > 0)
                    LogSwept(logger, deleted);
            }
            catch (Exception ex) when (ex is DbException || DatabaseUnavailableHandler.IsUnavailable(ex))
            {
                // The database is down or not yet set up: try again at the next tick rather than stop the
                // host. EF's retrying strategy wraps the Npgsql failure in an InvalidOperationException.
                LogSweepFailed(logger, ex.GetType().Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} pending kfrags whose Consent was never reconciled.")]
    private static partial void LogSwept(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pending kfrag sweep failed ({Failure}); retrying at the next interval.")]
    private static partial void LogSweepFailed(ILogger logger, string failure);
}
