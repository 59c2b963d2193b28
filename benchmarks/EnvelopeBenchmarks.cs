using BenchmarkDotNet.Attributes;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Benchmarks;

/// <summary>
/// Section envelope seal and open (target: 2 MiB each under 5 ms). Seal includes the Umbral
/// encapsulation and the writer's signature; open verifies the signature, decapsulates and checks the
/// AEAD tag. "as grantee" opens with one cfrag of a 1-of-1 set, verifying it first.
/// </summary>
[BenchmarkCategory("Envelope")]
public class EnvelopeBenchmarks
{
    private readonly EnvelopeContext _context = new("Observation", "5c4b9a1e-0d7f-4a3b-9c2e-6f1d8e7a0b34", "vitals", 3);
    private readonly byte[] _boundFieldsHash = new byte[SectionEnvelope.BoundFieldsHashSize];
    private SectionKeys _sectionKeys = null!;
    private SecretKey _sectionSecretKey = null!;
    private SecretKey _writerKey = null!;
    private Signer _writer = null!;
    private SecretKey _granteeKey = null!;
    private byte[] _plaintext = [];
    private byte[] _envelope = [];
    private CapsuleFrag[] _cfrags = [];

    [Params("1 KiB", "2 MiB")]
    public string Size { get; set; } = "2 MiB";

    [GlobalSetup]
    public void Setup()
    {
        _sectionKeys = SectionKeys.FromMasterSecret(Enumerable.Repeat((byte)0x44, 32).ToArray());
        _sectionSecretKey = _sectionKeys.SecretKey("vitals", 3);
        _writerKey = SecretKey.Random();
        _writer = new Signer(_writerKey);
        _granteeKey = SecretKey.Random();
        _plaintext = Sizes.Data(Size);
        Random.Shared.NextBytes(_boundFieldsHash);
        _envelope = SectionEnvelope.Seal(_context, _sectionSecretKey.PublicKey, _plaintext, _boundFieldsHash, _writer);
        var kfrag = UmbralPre.GenerateKFrags(_sectionSecretKey, _granteeKey.PublicKey, _writer, 1, 1, signDelegatingKey: true, signReceivingKey: true)[0];
        _cfrags = [UmbralPre.Reencrypt(SectionEnvelope.ReadHeader(_envelope).Capsule, kfrag).CapsuleFrag];
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

    [Benchmark(Description = "envelope open as grantee")]
    public byte[] OpenAsGrantee() =>
        SectionEnvelope.Open(_envelope, _context, _boundFieldsHash, _writerKey.PublicKey,
            EnvelopeRecipient.Grantee(_granteeKey, _sectionSecretKey.PublicKey, _writerKey.PublicKey, _cfrags));
}
