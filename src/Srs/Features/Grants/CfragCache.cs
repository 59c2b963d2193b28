using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace SeSPHR.Srs.Features.Grants;

/// <summary>
/// cfrags already computed, keyed by the kfrag row and the SHA-256 of the capsule, so a record read
/// again is not re-encrypted again. An entry lives until the kfrag's period ends and is dropped for a
/// whole Consent when it is reconciled. The cache is only consulted after the kfrag row itself was
/// found active and in period, so a stale entry can never outlive its kfrag.
/// </summary>
public sealed class CfragCache : IDisposable
{
    private readonly MemoryCache _cache;
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _consents = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;

    public CfragCache(IOptions<GrantOptions> options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        _clock = clock;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.CfragCacheEntries });
    }

    public byte[]? Find(long keyId, ReadOnlySpan<byte> capsule) =>
        _cache.TryGetValue(Key(keyId, capsule), out byte[]? cfrag) ? cfrag : null;

    /// <summary>Caches a cfrag made with kfrag <paramref name="keyId"/> of <paramref name="consentId"/>, until <paramref name="end"/> at most.</summary>
    public void Add(long keyId, string consentId, DateTimeOffset? end, ReadOnlySpan<byte> capsule, byte[] cfrag)
    {
        ArgumentNullException.ThrowIfNull(consentId);
        var now = _clock.GetUtcNow();
        if (end is { } ended && ended <= now)
            return;
        var consent = _consents.GetOrAdd(consentId, _ => new CancellationTokenSource());
        using var entry = _cache.CreateEntry(Key(keyId, capsule));
        entry.Value = cfrag;
        entry.Size = 1;
        // MemoryCache reads the system clock; the kfrag's end is measured on ours, so the entry lives
        // for the remaining span.
        if (end is { } until)
            entry.AbsoluteExpirationRelativeToNow = until - now;
        entry.AddExpirationToken(new CancellationChangeToken(consent.Token));
    }

    /// <summary>Drops every cached cfrag made with a kfrag of <paramref name="consentId"/>.</summary>
    public void Invalidate(string consentId)
    {
        // Not disposed: a concurrent Add may still be reading its token; cancelled, it expires the entry at once.
        if (_consents.TryRemove(consentId, out var source))
            source.Cancel();
    }

    public void Dispose()
    {
        foreach (var source in _consents.Values)
            source.Dispose();
        _cache.Dispose();
    }

    private static string Key(long keyId, ReadOnlySpan<byte> capsule) =>
        string.Concat(keyId.ToString(System.Globalization.CultureInfo.InvariantCulture), ":", Convert.ToHexString(SHA256.HashData(capsule)));
}
