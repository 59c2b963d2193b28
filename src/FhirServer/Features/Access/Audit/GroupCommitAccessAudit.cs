using System.Threading.Channels;
using Microsoft.Extensions.Options;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Features.Access.Audit;

/// <summary>
/// Durable audit with group commit. Callers queue their records and wait; one writer takes all that
/// is queued (up to <see cref="AuditOptions.MaxBatch"/> records), stores it as AuditEvents in one
/// database transaction, and only after that commit releases every caller of the batch. So a
/// response that waited for <see cref="RecordAsync"/> is never sent for an access that is not on
/// disk, and concurrent requests share one commit instead of paying one each. A failed commit
/// fails every caller of that batch (their responses become 503) and the writer goes on with the
/// next batch. Stopping the server drains the queue before the host ends.
/// </summary>
public sealed partial class GroupCommitAccessAudit : IAccessAudit, IHostedService, IDisposable
{
    private readonly Channel<Submission> _queue;
    private readonly MartenResourceStore _store;
    private readonly AccessAuditEvents _events;
    private readonly TimeProvider _clock;
    private readonly ILogger<GroupCommitAccessAudit> _logger;
    private readonly AuditOptions _options;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _writer;
    private long _transactions;
    private long _recordsWritten;

    // The raw store, not the caller-guarded IResourceStore of a request: audit rows are the server's
    // own writes, made outside any request scope by the background writer.
    public GroupCommitAccessAudit(MartenResourceStore store, AccessAuditEvents events, TimeProvider clock, IOptions<AuditOptions> options, ILogger<GroupCommitAccessAudit> logger)
    {
        _store = store;
        _events = events;
        _clock = clock;
        _logger = logger;
        _options = options.Value;
        if (_options.MaxBatch < 1 || _options.QueueCapacity < 1 || _options.MaxLinger < TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{AuditOptions.Section}: MaxBatch and QueueCapacity must be positive, MaxLinger not negative.");
        }

        _queue = Channel.CreateBounded<Submission>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
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

        foreach (var record in records)
        {
            AccessAuditEvents.Check(record);
        }

        // The AuditEvents are built here, on the caller's thread, so that the requests of a batch build
        // theirs in parallel and the one writer does nothing but commit (building them in the writer
        // made every batch wait for the whole batch's serialisation and search values, one by one).
        var submission = new Submission(records.Count, [.. _events.ToWrites(records, _clock.GetUtcNow())]);
        try
        {
            await _queue.Writer.WriteAsync(submission, cancellationToken);
        }
        catch (ChannelClosedException closed)
        {
            throw new AuditUnavailableException("The server is stopping; the access was not audited.", closed);
        }

        // A caller that gives up stops waiting; its records are still written with the batch.
        await submission.Committed.Task.WaitAsync(cancellationToken);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _writer = Task.Run(WriteLoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Refuses new records and waits until everything queued is committed (or the host gives up waiting).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        if (_writer is null)
        {
            return;
        }

        try
        {
            await _writer.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout ran out: abandon the commit in flight; its callers fail.
            await _stopping.CancelAsync();
            await _writer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Submission>();
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            var count = Take(reader, batch, 0);
            if (_options.MaxLinger > TimeSpan.Zero && count < _options.MaxBatch && !reader.Completion.IsCompleted)
            {
                await Task.Delay(_options.MaxLinger, _clock, CancellationToken.None);
                count = Take(reader, batch, count);
            }

            await CommitAsync(batch, count);
            batch.Clear();
        }

        // Records refused by a closed queue never reached it; anything still waiting here was drained above.
    }

    // Whole submissions only, so one request's records commit together; the first always fits.
    private int Take(ChannelReader<Submission> reader, List<Submission> batch, int count)
    {
        while (reader.TryPeek(out var next) && (batch.Count == 0 || count + next.Records <= _options.MaxBatch))
        {
            reader.TryRead(out _);
            batch.Add(next);
            count += next.Records;
        }

        return count;
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

            await _store.CommitAsync(writes, _stopping.Token);
            Interlocked.Increment(ref _transactions);
            Interlocked.Add(ref _recordsWritten, count);
        }
        catch (Exception failure)
        {
            // Not swallowed: every waiting caller gets it, as a 503; the writer lives on for the next batch.
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

        // Continuations run off the writer's thread, so one slow caller never holds up the next batch.
        public TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(EventId = 4201, Level = LogLevel.Error, Message = "Audit batch of {Requests} requests ({Records} records) failed to commit ({Failure}); those requests get 503")]
    private static partial void LogBatchFailed(ILogger logger, int requests, int records, string failure);
}
