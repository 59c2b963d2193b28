using Microsoft.Extensions.Options;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Features.Access.Audit;

/// <summary>
/// Durable audit with group commit. A caller queues its records and, when no commit is in flight,
/// commits them itself, with whatever else is queued by then, on its own thread; callers that come
/// while a commit is in flight wait, and the next commit (up to <see cref="AuditOptions.MaxBatch"/>
/// records) takes all of them in one database transaction. Every caller is released only after the
/// commit that holds its records, so a response that waited for <see cref="RecordAsync"/> is never
/// sent for an access that is not on disk, and concurrent requests share one commit instead of
/// paying one each. A failed commit fails every caller of that batch (their responses become 503)
/// and the next batch goes on. Stopping the server drains the queue before the host ends.
/// </summary>
/// <remarks>
/// Why the first caller commits rather than a writer thread: at low concurrency (one to four
/// connections) nothing can be grouped, and handing every record to a writer and back cost two
/// thread wake-ups per audited read, CPU and latency the unaudited read does not pay. Under load
/// the caller that commits hands the writer's role on to a background loop after its own commit,
/// so no request's response waits for other requests' commits.
/// </remarks>
public sealed partial class GroupCommitAccessAudit : IAccessAudit, IHostedService, IDisposable
{
    private readonly Lock _gate = new();
    private readonly Queue<Submission> _pending = new();
    private readonly SemaphoreSlim _room;
    private readonly Npgsql.NpgsqlDataSource _dataSource;
    private readonly AccessAuditEvents _events;
    private readonly TimeProvider _clock;
    private readonly ILogger<GroupCommitAccessAudit> _logger;
    private readonly AuditOptions _options;
    private readonly CancellationTokenSource _stopping = new();

    // Under _gate: whether a committer owns the queue (exactly one at a time, a caller or the
    // background loop; the queue is never left non-empty without one), what a stop waits for,
    // and whether new records are refused.
    private bool _writing;
    private TaskCompletionSource? _idle;
    private bool _closed;
    private long _transactions;
    private long _recordsWritten;

    // The audit trail's own table, not the caller-guarded IResourceStore of a request: audit rows are
    // the server's own writes, made outside any request's access rules.
    public GroupCommitAccessAudit(Npgsql.NpgsqlDataSource dataSource, AccessAuditEvents events, TimeProvider clock, IOptions<AuditOptions> options, ILogger<GroupCommitAccessAudit> logger)
    {
        _dataSource = dataSource;
        _events = events;
        _clock = clock;
        _logger = logger;
        _options = options.Value;
        if (_options.MaxBatch < 1 || _options.QueueCapacity < 1 || _options.MaxLinger < TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{AuditOptions.Section}: MaxBatch and QueueCapacity must be positive, MaxLinger not negative.");
        }

        _room = new SemaphoreSlim(_options.QueueCapacity, _options.QueueCapacity);
    }

    /// <summary>Transactions committed so far (each holds one or more callers' records).</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>Records committed so far.</summary>
    public long RecordsWritten => Interlocked.Read(ref _recordsWritten);

    /// <exception cref="AuditUnavailableException">The records could not be committed; nothing of the access may be served.</exception>
    public async Task RecordAsync(IReadOnlyList<AccessRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return;
        }

        // The AuditEvents are built here, on the caller's thread, so that the requests of a batch build
        // theirs in parallel and the commit does nothing but write; a malformed record throws here,
        // before anything is queued.
        var submission = new Submission(records.Count, [.. _events.ToWrites(records, _clock.GetUtcNow())]);

        // Back-pressure: at most QueueCapacity requests wait to be committed; the rest wait for room.
        await _room.WaitAsync(cancellationToken);
        bool commitHere;
        lock (_gate)
        {
            if (_closed)
            {
                _room.Release();
                throw new AuditUnavailableException("The server is stopping; the access was not audited.", new ObjectDisposedException(nameof(GroupCommitAccessAudit)));
            }

            _pending.Enqueue(submission);
            commitHere = !_writing;
            _writing = true;
        }

        if (commitHere)
        {
            // Not the caller's token: a caller that gives up still has its records (and others') written.
            try
            {
                await CommitNextAsync();
            }
            finally
            {
                HandOn();
            }
        }

        // A caller that gives up stops waiting; its records are still written with their batch.
        await submission.Committed.Task.WaitAsync(cancellationToken);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Refuses new records and waits until everything queued is committed (or the host gives up waiting).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Task idle;
        lock (_gate)
        {
            _closed = true;
            if (!_writing)
            {
                return;
            }

            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            idle = _idle.Task;
        }

        try
        {
            await idle.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout ran out: abandon the commit in flight; its callers fail.
            await _stopping.CancelAsync();
            await idle.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _room.Dispose();
    }

    /// <summary>After a commit by a caller: whatever queued meanwhile goes on in the background, or the role is given up.</summary>
    private void HandOn()
    {
        lock (_gate)
        {
            if (_pending.Count == 0)
            {
                Release();
                return;
            }

            // The loop ends only once the queue is empty, and never with an exception (DrainAsync).
            _ = Task.Run(DrainAsync, CancellationToken.None);
        }
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            try
            {
                await CommitNextAsync();
            }
            catch (Exception failure)
            {
                // CommitAsync fails batches, it does not throw; should anything else, the loop must go on,
                // or the records still queued would wait for ever.
                LogBatchFailed(_logger, 0, 0, failure.GetType().Name);
            }

            lock (_gate)
            {
                if (_pending.Count == 0)
                {
                    Release();
                    return;
                }
            }
        }
    }

    // Under _gate, with the queue empty: nobody commits now; a stop waiting for that goes on.
    private void Release()
    {
        _writing = false;
        _idle?.TrySetResult();
        _idle = null;
    }

    /// <summary>Commits the next batch: whole submissions only, so one request's records commit together; the first always fits.</summary>
    private async Task CommitNextAsync()
    {
        if (_options.MaxLinger > TimeSpan.Zero)
        {
            bool full;
            lock (_gate)
            {
                full = _pending.Sum(s => s.Records) >= _options.MaxBatch || _closed;
            }

            if (!full)
            {
                await Task.Delay(_options.MaxLinger, _clock, CancellationToken.None);
            }
        }

        var batch = new List<Submission>();
        var count = 0;
        lock (_gate)
        {
            while (_pending.TryPeek(out var next) && (batch.Count == 0 || count + next.Records <= _options.MaxBatch))
            {
                batch.Add(_pending.Dequeue());
                count += next.Records;
            }
        }

        // Never with one committer and a queue it found non-empty; guarded all the same, since
        // SemaphoreSlim.Release(0) throws and a committer that throws would strand the queue.
        if (batch.Count == 0)
        {
            return;
        }

        _room.Release(batch.Count);
        await CommitAsync(batch, count);
    }

    private async Task CommitAsync(List<Submission> batch, int count)
    {
        try
        {
            var writes = new List<ResourceWrite>(count);
            foreach (var submission in batch)
            {
                writes.AddRange(submission.Writes);
            }

            await AuditEventTable.AppendAsync(_dataSource, writes, _stopping.Token);
            Interlocked.Increment(ref _transactions);
            Interlocked.Add(ref _recordsWritten, count);
        }
        catch (Exception failure)
        {
            // Not swallowed: every waiting caller gets it, as a 503; the next batch goes on.
            LogBatchFailed(_logger, batch.Count, count, failure.GetType().Name);
            var unavailable = new AuditUnavailableException("The access could not be audited; it was not served.", failure);
            foreach (var submission in batch)
            {
                submission.Committed.TrySetException(unavailable);
            }

            return;
        }

        foreach (var submission in batch)
        {
            submission.Committed.TrySetResult();
        }
    }

    private sealed class Submission(int records, IReadOnlyList<ResourceWrite> writes)
    {
        /// <summary>How many records the writes hold (what <see cref="AuditOptions.MaxBatch"/> counts).</summary>
        public int Records { get; } = records;

        public IReadOnlyList<ResourceWrite> Writes { get; } = writes;

        // Continuations run off the committing thread, so one slow caller never holds up the next batch.
        public TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(EventId = 4201, Level = LogLevel.Error, Message = "Audit batch of {Requests} requests ({Records} records) failed to commit ({Failure}); those requests get 503")]
    private static partial void LogBatchFailed(ILogger logger, int requests, int records, string failure);
}
