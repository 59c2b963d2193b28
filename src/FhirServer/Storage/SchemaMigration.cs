using Marten;
using SeSPHR.FhirServer.Search;

namespace SeSPHR.FhirServer.Storage;

/// <summary>
/// Brings the FhirServer's tables up to date at start-up without blocking it: the process starts
/// even while PostgreSQL is still coming up, reports unhealthy until the schema is in place, and
/// keeps retrying. Load balancers and <c>./sesphr up</c> wait for <c>/healthz</c>.
/// Marten creates tables, columns and indexes from the document mappings; what it cannot express
/// (statistics, dropped indexes, rows to rewrite) is a numbered step in <see cref="Steps"/>, run
/// once per database and recorded in <c>fhir.schema_migration</c>. A
/// database that has steps this build does not know was upgraded by a newer build: this one
/// refuses to start rather than write rows the newer layout does not expect.
/// </summary>
public sealed partial class SchemaMigration(IDocumentStore store, Npgsql.NpgsqlDataSource dataSource, ILogger<SchemaMigration> logger) : BackgroundService
{
    /// <summary>
    /// A schema change Marten does not make, applied once: its SQL, then (when given) <see cref="Rewrite"/>,
    /// for rows whose new form only the server can compute, on the same connection and transaction.
    /// </summary>
    public sealed record Step(int Number, string Name, string Sql, Func<Npgsql.NpgsqlConnection, CancellationToken, Task>? Rewrite = null);

    /// <summary>
    /// The steps in order. Never edit or renumber a step that has shipped: a database that ran it
    /// will not run it again. Add a new one.
    /// </summary>
    public static IReadOnlyList<Step> Steps { get; } =
    [
        // Statistics on the expressions the access filter compares (patient || ' ' || section, and
        // with the resource type): PostgreSQL keeps none for an expression by itself and guesses such
        // a test rare, so a granted reader's 20-row page was planned as a fetch and sort of the whole
        // record. The reference and token tables hold the values of every type, AuditEvents included,
        // which reference a patient under patient and entity many times more often than their
        // Observations do under subject: taken as independent columns, "subject = this patient"
        // looked rare once a record's audit trail had grown, and the page was sorted in full (52 ms
        // instead of 8 on 10,000 Observations beside 138,000 AuditEvents). Multivariate statistics
        // over (param, target) and (param, system, code) keep the combination's frequency.
        // The logical_id index of the current table: every create paid for it, and no query uses it
        // since _id searches use the primary key.
        new(1, "planner statistics; the unused logical_id index dropped", $"""
            CREATE STATISTICS IF NOT EXISTS fhir.storedresource_record_section ON ((patient || ' ' || section)) FROM {SearchSql.Resources};
            CREATE STATISTICS IF NOT EXISTS fhir.storedresource_record_section_type ON ((patient || ' ' || section || ' ' || resource_type)) FROM {SearchSql.Resources};
            CREATE STATISTICS IF NOT EXISTS fhir.search_reference_param_target (mcv, dependencies) ON param, target_type, target_id FROM {SearchTables.Reference};
            CREATE STATISTICS IF NOT EXISTS fhir.search_token_param_code (mcv, dependencies) ON param, system, code FROM {SearchTables.Token};
            DROP INDEX IF EXISTS fhir.mt_doc_storedresource_idx_logical_id;
            """),

        // Earlier builds wrote a history row (without a body) for every version at once, the
        // current one included; the current version now lives only in its current row, and a
        // history row exists for each replaced version. Rows of current versions would otherwise be
        // served twice by history, and a replacement of them would collide with itself.
        new(2, "history rows hold replaced versions only", $"""
            DELETE FROM {SearchSql.Versions} v USING {SearchSql.Resources} c
            WHERE v.id = c.id || '/_history/' || (c.data->>'VersionId');
            """),
        // String search values were folded for case only (the server ran without ICU, where .NET
        // leaves "É" whole); they now fold accents too, so the stored values of text that is not
        // plain ASCII are folded again, or "elo" would miss an "Élodie" written before.
        new(3, "string search values fold accents", "", RefoldStringValuesAsync),

        // AuditEvents move from the resource documents and search tables into the audit trail's own
        // table (AuditEventTable), their search values into its array columns. Only current,
        // undeleted versions are moved: AuditEvents were written by the server and never replaced,
        // but earlier builds let admins write them, and such an event's older versions and tombstone
        // are dropped; one without a recorded time (which every server-written one has) is dated by
        // its last update. Every search table is then analysed again: most of their rows were AuditEvents'.
        new(4, "AuditEvents in the audit trail's own table", $"""
            INSERT INTO {AuditEventTable.Name} (id, patient, last_updated, date_low, date_high, token_param, token_system, token_code, ref_param, ref_type, ref_id, json)
            SELECT r.id, r.patient, r.last_updated, coalesce(d.low, r.last_updated), coalesce(d.high, r.last_updated + interval '1 millisecond'),
                   coalesce(t.param, ARRAY[]::text[]), coalesce(t.system, ARRAY[]::text[]), coalesce(t.code, ARRAY[]::text[]),
                   coalesce(x.param, ARRAY[]::text[]), coalesce(x.target_type, ARRAY[]::text[]), coalesce(x.target_id, ARRAY[]::text[]),
                   r.data->>'Json'
            FROM {SearchSql.Resources} r
            LEFT JOIN LATERAL (SELECT min(low) AS low, max(high) AS high FROM {SearchTables.Date} WHERE resource_id = r.id AND param = 'date') d ON true
            LEFT JOIN LATERAL (SELECT array_agg(param) AS param, array_agg(system) AS system, array_agg(code) AS code
                               FROM {SearchTables.Token} WHERE resource_id = r.id) t ON true
            LEFT JOIN LATERAL (SELECT array_agg(param) AS param, array_agg(target_type) AS target_type, array_agg(target_id) AS target_id
                               FROM {SearchTables.Reference} WHERE resource_id = r.id) x ON true
            WHERE r.resource_type = 'AuditEvent' AND NOT r.is_deleted AND r.data->>'Json' IS NOT NULL
            ON CONFLICT (id) DO NOTHING;
            DELETE FROM {SearchTables.Token} WHERE resource_type = 'AuditEvent';
            DELETE FROM {SearchTables.Reference} WHERE resource_type = 'AuditEvent';
            DELETE FROM {SearchTables.Date} WHERE resource_type = 'AuditEvent';
            DELETE FROM {SearchTables.Text} WHERE resource_type = 'AuditEvent';
            DELETE FROM {SearchSql.Versions} WHERE resource_type = 'AuditEvent';
            DELETE FROM {SearchSql.Resources} WHERE resource_type = 'AuditEvent';
            ANALYZE {SearchSql.Resources}, {SearchTables.Token}, {SearchTables.Reference}, {SearchTables.Date}, {AuditEventTable.Name};
            """),

        // A Device that names a patient is part of that patient's record, filed under medical
        // (SectionPolicy's RecordSection); earlier builds kept every Device a directory resource.
        // Every stored version that names a patient is filed so, the reference reduced to Patient/id
        // as ReferenceTarget reduces it; tombstones keep no body and stay as they are.
        new(5, "Devices that name a patient filed in that patient's record", $"""
            {FileDevices(SearchSql.Resources)}
            {FileDevices(SearchSql.Versions)}
            """),
    ];

    private static string FileDevices(string table) => $"""
        WITH filed AS (
          SELECT id, substring(regexp_replace((data->>'Json')::jsonb->'patient'->>'reference', '/_history/.*$', '') from '(?:^|/)(Patient/[^/]+)$') AS patient
          FROM {table} WHERE resource_type = 'Device' AND patient IS NULL AND data->>'Json' IS NOT NULL)
        UPDATE {table} d SET patient = f.patient, section = 'medical',
               data = d.data || jsonb_build_object('Patient', f.patient, 'Section', 'medical')
        FROM filed f WHERE d.id = f.id AND f.patient IS NOT NULL;
        """;

    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsComplete => _done.Task.IsCompletedSuccessfully;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await MigrateAsync(stoppingToken);
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

    /// <summary>Marten's tables, then the steps this database has not run.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await ApplyStepsAsync(cancellationToken);
    }

    /// <summary>
    /// Runs the steps this database has not run, and records them, in one transaction: a failing
    /// step leaves the database as it was, and the next start tries again. Servers starting
    /// together take turns on the table's lock; each reads what is applied once it holds it.
    /// </summary>
    private async Task ApplyStepsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var create = connection.CreateCommand())
        {
            create.CommandText = $"CREATE TABLE IF NOT EXISTS {Table} (number integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())";
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockTable = connection.CreateCommand())
        {
            lockTable.CommandText = $"LOCK TABLE {Table} IN EXCLUSIVE MODE";
            await lockTable.ExecuteNonQueryAsync(cancellationToken);
        }

        var applied = new HashSet<int>();
        await using (var read = connection.CreateCommand())
        {
            read.CommandText = $"SELECT number FROM {Table}";
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                applied.Add(reader.GetInt32(0));
            }
        }

        var newest = Steps[^1].Number;
        if (applied.Count > 0 && applied.Max() > newest)
        {
            throw new SchemaTooNewException(
                $"The FhirServer database has schema step {applied.Max()}; this build knows steps up to {newest}. Run the newer build, or restore a backup taken before the upgrade.");
        }

        foreach (var step in Steps.Where(step => !applied.Contains(step.Number)))
        {
            if (step.Sql.Length > 0)
            {
                await using var change = connection.CreateCommand();
                change.CommandText = step.Sql;
                await change.ExecuteNonQueryAsync(cancellationToken);
            }

            if (step.Rewrite is { } rewrite)
            {
                await rewrite(connection, cancellationToken);
            }

            await using var record = connection.CreateCommand();
            record.CommandText = $"INSERT INTO {Table} (number, name) VALUES ($1, $2)";
            record.Parameters.Add(new Npgsql.NpgsqlParameter { Value = step.Number });
            record.Parameters.Add(new Npgsql.NpgsqlParameter { Value = step.Name });
            await record.ExecuteNonQueryAsync(cancellationToken);
            LogStep(logger, step.Number, step.Name);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private const string Table = "fhir.schema_migration";

    /// <summary>Step 3: every string search value whose text is not plain ASCII, folded as <see cref="SearchIndexer.Normalize"/> folds now.</summary>
    private static async Task RefoldStringValuesAsync(Npgsql.NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        // Only text with a character beyond ASCII can fold differently; the rest stays as it is.
        var changed = new List<(string ResourceId, string Param, string Raw, string Old, string New)>();
        await using (var read = connection.CreateCommand())
        {
            read.CommandText = $"SELECT DISTINCT resource_id, param, raw, value FROM {SearchTables.Text} WHERE raw ~ '[^\\x01-\\x7F]'";
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var (resourceId, param, raw, value) = (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3));
                var folded = SearchIndexer.Normalize(raw);
                if (folded != value)
                {
                    changed.Add((resourceId, param, raw, value, folded));
                }
            }
        }

        foreach (var chunk in changed.Chunk(5_000))
        {
            await using var update = connection.CreateCommand();
            update.CommandText = $"""
                UPDATE {SearchTables.Text} s SET value = u.folded
                FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS u(resource_id, param, raw, old, folded)
                WHERE s.resource_id = u.resource_id AND s.param = u.param AND s.raw = u.raw AND s.value = u.old
                """;
            update.Parameters.Add(new Npgsql.NpgsqlParameter { Value = chunk.Select(c => c.ResourceId).ToArray() });
            update.Parameters.Add(new Npgsql.NpgsqlParameter { Value = chunk.Select(c => c.Param).ToArray() });
            update.Parameters.Add(new Npgsql.NpgsqlParameter { Value = chunk.Select(c => c.Raw).ToArray() });
            update.Parameters.Add(new Npgsql.NpgsqlParameter { Value = chunk.Select(c => c.Old).ToArray() });
            update.Parameters.Add(new Npgsql.NpgsqlParameter { Value = chunk.Select(c => c.New).ToArray() });
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database schema not applied yet ({Failure}); retrying in {Seconds} s")]
    private static partial void LogRetry(ILogger logger, string failure, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database schema step {Number} applied: {Name}")]
    private static partial void LogStep(ILogger logger, int number, string name);
}

/// <summary>The database was migrated by a newer build of the FhirServer than this one.</summary>
public sealed class SchemaTooNewException(string message) : Exception(message);
