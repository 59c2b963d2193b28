using System.Diagnostics;
using System.Globalization;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Crypto.Envelopes;

/// <summary>
/// A patient's per-section, per-epoch delegating keys, all derived from one master secret with
/// Umbral's key factory under the label <c>section/{code}/epoch/{n}</c>. Keys of different
/// sections or epochs are independent, so a kfrag issued for one (section, epoch) cannot
/// transform another's capsules: section granularity and forward access control after a new
/// epoch are enforced by the mathematics. The master secret never prints and is zeroed on
/// <see cref="Dispose"/>.
/// </summary>
[DebuggerDisplay("SectionKeys(redacted)")]
public sealed class SectionKeys : IDisposable
{
    private readonly SecretKeyFactory _factory;

    // Public halves only: deriving one costs a key derivation and a base-point multiplication, and
    // encrypting to the same point object lets the curve library reuse its precomputed multiples.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Section, uint Epoch), PublicKey> _publicKeys = new();

    private SectionKeys(SecretKeyFactory factory)
    {
        _factory = factory;
    }

    /// <summary>Keys over a 32-byte master secret (a <see cref="SecretKeyFactory"/> seed).</summary>
    public static SectionKeys FromMasterSecret(ReadOnlySpan<byte> masterSecret) => new(SecretKeyFactory.FromSecureRandomness(masterSecret));

    /// <summary>The key-factory label of a section and epoch.</summary>
    public static string Label(string sectionCode, uint epoch)
    {
        if (!EnvelopeContext.IsValidSectionCode(sectionCode))
            throw new ArgumentException("A section code is 1-32 of a-z, 0-9, '-'.", nameof(sectionCode));
        return string.Create(CultureInfo.InvariantCulture, $"section/{sectionCode}/epoch/{epoch}");
    }

    /// <summary>The delegating secret key of a section and epoch; the caller disposes it.</summary>
    public SecretKey SecretKey(string sectionCode, uint epoch) => _factory.MakeKey(Label(sectionCode, epoch));

    /// <summary>The public key writers encrypt to for a section and epoch.</summary>
    public PublicKey PublicKey(string sectionCode, uint epoch) => _publicKeys.GetOrAdd((sectionCode, epoch), key =>
    {
        using var secretKey = SecretKey(key.Section, key.Epoch);
        return secretKey.PublicKey;
    });

    public override string ToString() => "SectionKeys(redacted)";

    public void Dispose() => _factory.Dispose();
}
