namespace SeSPHR.Srs.Features.Grants;

/// <summary>Settings of the grant feature, bound from the <c>Srs</c> configuration section.</summary>
public sealed class GrantOptions
{
    /// <summary><c>Srs:PendingGrantLifetime</c>: how long an uploaded kfrag may wait for its Consent's reconciliation before it is deleted.</summary>
    public TimeSpan PendingGrantLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary><c>Srs:PendingGrantSweepInterval</c>: how often the pending kfrags are swept.</summary>
    public TimeSpan PendingGrantSweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary><c>Srs:CfragCacheEntries</c>: at most this many cached cfrags (about 400 bytes each).</summary>
    public int CfragCacheEntries { get; set; } = 100_000;

    /// <summary><c>Srs:ReencryptRequestsPerSecond</c>: re-encryption calls per second per calling client (a burst of twice this is allowed).</summary>
    public int ReencryptRequestsPerSecond { get; set; } = 50;

    /// <summary><c>Srs:ReencryptionLogMaxBatch</c>: at most this many re-encryption log rows per group commit (a call's rows are never split).</summary>
    public int ReencryptionLogMaxBatch { get; set; } = 5_000;

    /// <summary>
    /// <c>Srs:ReencryptionLogSynchronousCommit</c>: whether a call's answer waits for its log rows' WAL
    /// flush (PostgreSQL <c>synchronous_commit</c> for the log's transactions). Off by default: the rows
    /// are committed (visible, ordered, and kept through any crash of the SRS process) before the
    /// answer, but a crash of PostgreSQL itself or of its machine can lose the rows of the last
    /// moments (up to three times <c>wal_writer_delay</c>, 0.6 s by default) while the cfrags were
    /// already sent. What the FhirServer served is still on durable record there: it answers a
    /// protected read only after its own AuditEvent's commit, which does wait for the flush. On, every
    /// call also waits for a flush of its own (shared by the calls of one batch).
    /// </summary>
    public bool ReencryptionLogSynchronousCommit { get; set; }

    /// <summary><c>Srs:ReencryptionLogQueueCapacity</c>: calls waiting for the log writer before new calls wait to queue.</summary>
    public int ReencryptionLogQueueCapacity { get; set; } = 1_000;
}
