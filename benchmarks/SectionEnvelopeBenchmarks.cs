using BenchmarkDotNet.Attributes;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Benchmarks;

/// <summary>
/// Section envelope seal and open at the size a subclass names: seal (Umbral encapsulation,
/// XChaCha20-Poly1305, the writer's signature), open by the owner (signature, decapsulation, AEAD
/// tag), the SRS's re-encryption of the capsule, and open by a grantee from one verified cfrag of a
/// 1-of-1 set.
/// </summary>
public abstract class SectionEnvelopeBenchmarks
{
    private readonly EnvelopeContext _context = new("Observation", "5c4b9a1e-0d7f-4a3b-9c2e-6f1d8e7a0b34", "vitals", 3);
    private readonly byte[] _boundFieldsHash = new byte[SectionEnvelope.BoundFieldsHashSize];
    private SectionKeys _sectionKeys = null!;
    private SecretKey _sectionSecretKey = null!;
    private SecretKey _writerKey = null!;
    private Signer _writer = null!;
    private SecretKey _granteeKey = null!;
    private VerifiedKeyFrag _kfrag = null!;
    private byte[] _plaintext = [];
    private byte[] _envelope = [];
    private CapsuleFrag[] _cfrags = [];

    /// <summary>The plaintext size in bytes.</summary>
    protected abstract int Bytes { get; }

    [GlobalSetup]
    public void Setup()
    {
        _sectionKeys = SectionKeys.FromMasterSecret(Enumerable.Repeat((byte)0x44, 32).ToArray());
        _sectionSecretKey = _sectionKeys.SecretKey("vitals", 3);
        _writerKey = SecretKey.Random();
        _writer = new Signer(_writerKey);
        _granteeKey = SecretKey.Random();
        _plaintext = new byte[Bytes];
        for (var i = 0; i < _plaintext.Length; i++)
            _plaintext[i] = (byte)(i * 7);
        Random.Shared.NextBytes(_boundFieldsHash);
        _envelope = SectionEnvelope.Seal(_context, _sectionSecretKey.PublicKey, _plaintext, _boundFieldsHash, _writer);
        _kfrag = UmbralPre.GenerateKFrags(_sectionSecretKey, _granteeKey.PublicKey, _writer, 1, 1, signDelegatingKey: true, signReceivingKey: true)[0];
        _cfrags = [Reencrypt().CapsuleFrag];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sectionSecretKey.Dispose();
        _sectionKeys.Dispose();
        _writerKey.Dispose();
        _granteeKey.Dispose();
    }

    [Benchmark(Description = "envelope seal")]
    public byte[] Seal() => SectionEnvelope.Seal(_context, _sectionSecretKey.PublicKey, _plaintext, _boundFieldsHash, _writer);

    [Benchmark(Description = "envelope open")]
    public byte[] OpenAsOwner() =>
        SectionEnvelope.Open(_envelope, _context, _boundFieldsHash, _writerKey.PublicKey, EnvelopeRecipient.Owner(_sectionSecretKey));

    [Benchmark(Description = "re-encryption (SRS)")]
    public VerifiedCapsuleFrag Reencrypt() => UmbralPre.Reencrypt(SectionEnvelope.ReadHeader(_envelope).Capsule, _kfrag);

    [Benchmark(Description = "envelope open as grantee")]
    public byte[] OpenAsGrantee() =>
        SectionEnvelope.Open(_envelope, _context, _boundFieldsHash, _writerKey.PublicKey,
            EnvelopeRecipient.Grantee(_granteeKey, _sectionSecretKey.PublicKey, _writerKey.PublicKey, _cfrags));
}
