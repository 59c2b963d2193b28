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

    /// <summary><c>Srs:ReencryptionLogQueueCapacity</c>: calls waiting for the log writer before new calls wait to queue.</summary>
    public int ReencryptionLogQueueCapacity { get; set; } = 1_000;
}
