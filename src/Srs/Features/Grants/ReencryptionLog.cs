using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace SeSPHR.Srs.Features.Grants;

/// <summary>The re-encryption log could not be committed: the cfrags of that call must not be sent (503).</summary>
public sealed class ReencryptionLogUnavailableException(string message, Exception? inner) : Exception(message, inner);

/// <summary>One log row of a re-encryption item, as the writer stores it (never the capsule or the cfrag).</summary>
public sealed record ReencryptionLogRow(
    DateTimeOffset At, Guid GranteeUserId, string PatientFhirUser, string Section, long Epoch, string Outcome, long? ReencryptionKeyId);

/// <summary>
/// The re-encryption log with group commit. A call queues its rows and waits; one writer takes
/// whatever calls are queued (whole calls, up to <see cref="GrantOptions.ReencryptionLogMaxBatch"/>
/// rows), inserts them with one multi-row statement in one transaction and only after that commit
/// releases every call of the batch. So a call never answers with a cfrag whose log row is not
/// committed, and concurrent calls share one commit instead of paying one each. Whether the commit
/// also waits for its WAL flush is <see cref="GrantOptions.ReencryptionLogSynchronousCommit"/> (by
/// default it does not: a PostgreSQL crash can lose the last moments of the log). A failed
/// commit fails every call of that batch (503) and the writer goes on with the next. Stopping the
/// host drains the queue first.
/// </summary>
public sealed partial class ReencryptionLog : IHostedService, IDisposable
{
    // One statement over parallel arrays: the row count changes per batch, the statement text does not.
    // It runs alone, in its own implicit transaction, and sets synchronous_commit for that transaction
    // only (set_config's is_local): PostgreSQL applies the value in effect when a transaction commits,
    // and the connection goes back to the pool with its own setting. One round trip per batch.
    private const string InsertSql = """
        INSERT INTO srs.reencryption_log ("At", "GranteeUserId", "PatientFhirUser", "Section", "Epoch", "Outcome", "ReencryptionKeyId")
        SELECT * FROM unnest(@at, @grantee, @patient, @section, @epoch, @outcome, @key)
        WHERE set_config('synchronous_commit', @synchronous_commit, true) IS NOT NULL
        """;

    private readonly Channel<Submission> _queue;
    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger<ReencryptionLog> _logger;
    private readonly int _maxBatch;
    private readonly bool _synchronousCommit;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _startLock = new();
    private Task? _writer;
    private long _transactions;
    private long _rows;

    public ReencryptionLog(NpgsqlDataSource dataSource, IOptions<GrantOptions> options, ILogger<ReencryptionLog> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _dataSource = dataSource;
        _logger = logger;
        _maxBatch = options.Value.ReencryptionLogMaxBatch;
        _synchronousCommit = options.Value.ReencryptionLogSynchronousCommit;
        var capacity = options.Value.ReencryptionLogQueueCapacity;
        if (_maxBatch < 1 || capacity < 1)
            throw new InvalidOperationException("Srs:ReencryptionLogMaxBatch and Srs:ReencryptionLogQueueCapacity must be positive.");
        _queue = Channel.CreateBounded<Submission>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    }

    /// <summary>Transactions committed so far (each holds one or more calls' rows).</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>Rows committed so far.</summary>
    public long Rows => Interlocked.Read(ref _rows);

    /// <summary>Returns once <paramref name="rows"/> are committed.</summary>
    /// <exception cref="ReencryptionLogUnavailableException">They were not; nothing of the call may be answered.</exception>
    public async Task RecordAsync(IReadOnlyList<ReencryptionLogRow> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
            return;
        EnsureWriter();
        var submission = new Submission(rows);
        try
        {
            await _queue.Writer.WriteAsync(submission, cancellationToken);
        }
        catch (ChannelClosedException closed)
        {
            throw new ReencryptionLogUnavailableException("The SRS is stopping; the re-encryption was not logged.", closed);
        }

        // A caller that gives up stops waiting; its rows are still written with the batch.
        await submission.Committed.Task.WaitAsync(cancellationToken);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        EnsureWriter();
        return Task.CompletedTask;
    }

    /// <summary>Refuses new rows and waits until everything queued is committed (or the host gives up waiting).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        Task? writer;
        lock (_startLock)
            writer = _writer;
        if (writer is null)
            return;
        try
        {
            await writer.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout ran out: abandon the commit in flight; its callers fail.
            await _stopping.CancelAsync();
            await writer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Dispose()
    {
        // Without a host (no StopAsync), completing the queue still ends the writer.
        _queue.Writer.TryComplete();
        _stopping.Dispose();
    }

    // Started by the host, or by the first call where the service runs without one (the grant tests' container).
    private void EnsureWriter()
    {
        if (Volatile.Read(ref _writer) is not null)
            return;
        lock (_startLock)
            _writer ??= Task.Run(WriteLoopAsync, CancellationToken.None);
    }

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Submission>();
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            // No linger: calls that arrive while a commit is in flight form the next batch by themselves.
            var count = 0;
            while (reader.TryPeek(out var next) && (batch.Count == 0 || count + next.Rows.Count <= _maxBatch))
            {
                reader.TryRead(out _);
                batch.Add(next);
                count += next.Rows.Count;
            }

            await CommitAsync(batch, count);
            batch.Clear();
        }
    }

    private async Task CommitAsync(List<Submission> batch, int count)
    {
        try
        {
            var at = new DateTimeOffset[count];
            var grantee = new Guid[count];
            var patient = new string[count];
            var section = new string[count];
            var epoch = new long[count];
            var outcome = new string[count];
            var key = new long?[count];
            var i = 0;
            foreach (var row in batch.SelectMany(s => s.Rows))
            {
                (at[i], grantee[i], patient[i], section[i], epoch[i], outcome[i], key[i]) =
                    (row.At.ToUniversalTime(), row.GranteeUserId, row.PatientFhirUser, row.Section, row.Epoch, row.Outcome, row.ReencryptionKeyId);
                i++;
            }

            await using var command = _dataSource.CreateCommand(InsertSql);
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]>("at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = at });
            command.Parameters.Add(new NpgsqlParameter<Guid[]>("grantee", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { TypedValue = grantee });
            command.Parameters.Add(new NpgsqlParameter<string[]>("patient", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = patient });
            command.Parameters.Add(new NpgsqlParameter<string[]>("section", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = section });
            command.Parameters.Add(new NpgsqlParameter<long[]>("epoch", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = epoch });
            command.Parameters.Add(new NpgsqlParameter<string[]>("outcome", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = outcome });
            command.Parameters.Add(new NpgsqlParameter<long?[]>("key", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = key });
            // GrantOptions.ReencryptionLogSynchronousCommit says what "off" trades: the commit no longer waits for the WAL flush.
            command.Parameters.Add(new NpgsqlParameter<string>("synchronous_commit", NpgsqlDbType.Text) { TypedValue = _synchronousCommit ? "on" : "off" });
            await command.ExecuteNonQueryAsync(_stopping.Token);
            Interlocked.Increment(ref _transactions);
            Interlocked.Add(ref _rows, count);
        }
        catch (Exception failure)
        {
            // Not swallowed: every waiting call gets it, as a 503; the writer lives on for the next batch.
            LogBatchFailed(_logger, batch.Count, count, failure.GetType().Name);
            var unavailable = new ReencryptionLogUnavailableException("The re-encryption could not be logged; it was not answered.", failure);
            foreach (var submission in batch)
                submission.Committed.TrySetException(unavailable);
            return;
        }

        foreach (var submission in batch)
            submission.Committed.TrySetResult();
    }

    private sealed class Submission(IReadOnlyList<ReencryptionLogRow> rows)
    {
        public IReadOnlyList<ReencryptionLogRow> Rows { get; } = rows;

        // Continuations run off the writer's thread, so one slow caller never holds up the next batch.
        public TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(EventId = 3301, Level = LogLevel.Error, Message = "Re-encryption log batch of {Calls} calls ({Rows} rows) failed to commit ({Failure}); those calls get 503")]
    private static partial void LogBatchFailed(ILogger logger, int calls, int rows, string failure);
}
