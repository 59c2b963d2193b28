using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace SeSPHR.FhirServer.Features.Access.Srs;

/// <summary>
/// cfrags the SRS has issued, replayed when the same grantee reads the same capsule again while the
/// patient's Consents are unchanged, so that a warm read costs no SRS call.
/// </summary>
/// <remarks>
/// An entry is keyed by the grantee, the patient, the stamp of the patient's Consent rows that the
/// request decided on (<see cref="RequestAccess.ConsentStampOf"/>), the section, the epoch and the
/// capsule itself. So a replay hands a grantee exactly the bytes the SRS already gave that grantee for
/// that capsule: it discloses nothing they have not received, and the FhirServer, which relays every
/// cfrag, learns nothing it has not seen. What ends access ends the replay:
/// <list type="bullet">
/// <item>a revocation or any other Consent change of the patient changes the stamp (every entry of that patient is then unreachable);</item>
/// <item>the kfrag's period ends (<see cref="ReencryptionResult.Until"/>, which the SRS sends with each cfrag);</item>
/// <item>a suspended grantee's requests are refused at the gate (<see cref="WithdrawnAccounts"/>) before any shaping;</item>
/// <item>a new epoch brings new capsules, which were never issued;</item>
/// <item>anything else the SRS withdraws on its side is bounded by <see cref="SrsOptions.IssuedCfragMaxAge"/>.</item>
/// </list>
/// A replayed cfrag was not re-encrypted again, so the SRS's log holds the first issue of it; the
/// read itself is in the AuditEvent as every read is. With the Consent check off nothing is replayed
/// (no stamp): the SRS then decides every capsule, as the authorisation matrix's second run shows.
/// </remarks>
public sealed class IssuedCfrags : IDisposable
{
    private readonly MemoryCache? _cache;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _maxAge;

    public IssuedCfrags(IOptions<SrsOptions> options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        _clock = clock;
        _maxAge = options.Value.IssuedCfragMaxAge;
        if (options.Value.IssuedCfragEntries > 0 && _maxAge > TimeSpan.Zero)
        {
            _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.IssuedCfragEntries });
        }
    }

    /// <summary>The cfrag the SRS issued to <paramref name="granteeUserId"/> for this capsule under these Consents, if still in force.</summary>
    public byte[]? Find(string granteeUserId, string consentStamp, CapsuleToReencrypt item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (_cache is null || !_cache.TryGetValue(Key(granteeUserId, consentStamp, item), out Issued? issued) || issued is null)
        {
            return null;
        }

        // Checked on our clock too: MemoryCache expires entries on the system clock.
        return issued.Expires > _clock.GetUtcNow() ? issued.Cfrag : null;
    }

    /// <summary>Keeps a cfrag the SRS just issued, until <paramref name="until"/> (its kfrag's end) or the maximum age.</summary>
    public void Keep(string granteeUserId, string consentStamp, CapsuleToReencrypt item, byte[] cfrag, DateTimeOffset? until)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(cfrag);
        if (_cache is null)
        {
            return;
        }

        var now = _clock.GetUtcNow();
        var expires = now + _maxAge;
        if (until is { } end && end < expires)
        {
            expires = end;
        }

        if (expires <= now)
        {
            return;
        }

        using var entry = _cache.CreateEntry(Key(granteeUserId, consentStamp, item));
        entry.Value = new Issued(cfrag, expires);
        entry.Size = 1;
        entry.AbsoluteExpirationRelativeToNow = expires - now;
    }

    /// <summary>Drops every cfrag kept (tests reset their fake SRS with it).</summary>
    internal void Forget() => _cache?.Clear();

    public void Dispose() => _cache?.Dispose();

    // The capsule in full, not a digest: equal keys are equal capsules, with no hash to trust.
    private static string Key(string granteeUserId, string consentStamp, CapsuleToReencrypt item) =>
        string.Join('\n', granteeUserId, item.Patient, consentStamp, item.Section, item.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture), Convert.ToBase64String(item.Capsule));

    private sealed record Issued(byte[] Cfrag, DateTimeOffset Expires);
}
