using Marten;

namespace SeSPHR.FhirServer.Storage;

/// <summary>
/// Brings the FhirServer's tables up to date at start-up without blocking it: the process starts
/// even while PostgreSQL is still coming up, reports unhealthy until the schema is in place, and
/// keeps retrying. Load balancers and <c>./sesphr up</c> wait for <c>/healthz</c>.
/// </summary>
public sealed partial class SchemaMigration(IDocumentStore store, Npgsql.NpgsqlDataSource dataSource, ILogger<SchemaMigration> logger) : BackgroundService
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsComplete => _done.Task.IsCompletedSuccessfully;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
                await FinishSchemaAsync(stoppingToken);
                _done.TrySetResult();
                return;
            }
            catch (Exception failure) when (failure is Npgsql.NpgsqlException or TimeoutException or System.Net.Sockets.SocketException or InvalidOperationException)
            {
                LogRetry(logger, failure.GetType().Name, delay.TotalSeconds);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromSeconds(Math.Min(10, delay.TotalSeconds * 2));
            }
        }
    }

    /// <summary>
    /// What Marten's schema does not express: planner statistics, and dropping indexes that earlier
    /// builds created and no query uses any more.
    /// Statistics on the expressions the access filter compares (<c>patient || ' ' || section</c>,
    /// and with the resource type): PostgreSQL keeps none for an expression by itself and guesses such
    /// a test rare, so a granted reader's 20-row page was planned as a fetch and sort of the whole
    /// record. With them, ANALYZE knows how much of a record one grant covers.
    /// The reference and token tables hold the values of every type, AuditEvents included, which
    /// reference a patient under <c>patient</c> and <c>entity</c> many times more often than their
    /// Observations do under <c>subject</c>: taken as independent columns, "subject = this patient"
    /// looked rare again once a record's audit trail had grown, and the page was sorted in full
    /// (52 ms instead of 8 on 10,000 Observations beside 138,000 AuditEvents). Multivariate
    /// statistics over (param, target) and (param, system, code) keep the combination's frequency.
    /// </summary>
    private async Task FinishSchemaAsync(CancellationToken cancellationToken)
    {
        const string Table = "fhir.mt_doc_storedresource";
        await using var command = dataSource.CreateCommand($"""
            CREATE STATISTICS IF NOT EXISTS fhir.storedresource_record_section ON ((patient || ' ' || section)) FROM {Table};
            CREATE STATISTICS IF NOT EXISTS fhir.storedresource_record_section_type ON ((patient || ' ' || section || ' ' || resource_type)) FROM {Table};
            CREATE STATISTICS IF NOT EXISTS fhir.search_reference_param_target (mcv, dependencies) ON param, target_type, target_id FROM {SearchTables.Reference};
            CREATE STATISTICS IF NOT EXISTS fhir.search_token_param_code (mcv, dependencies) ON param, system, code FROM {SearchTables.Token};
            -- Databases of earlier builds: an index every create paid for and no query uses any more.
            DROP INDEX IF EXISTS fhir.mt_doc_storedresource_idx_logical_id;
            """);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database schema not applied yet ({Failure}); retrying in {Seconds} s")]
    private static partial void LogRetry(ILogger logger, string failure, double seconds);
}
