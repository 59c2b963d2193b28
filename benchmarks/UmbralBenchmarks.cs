using BenchmarkDotNet.Attributes;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Benchmarks;

/// <summary>
/// Umbral operations that depend on the message size, with the same keys, data and names as
/// umbral-reference/reference-bench.mjs, so each median divides by the reference's.
/// decryptReencrypted opens with 2 cfrags of a 2-of-3 set.
/// </summary>
[BenchmarkCategory("Umbral")]
public class UmbralSizedBenchmarks
{
    private readonly UmbralFixture _fixture = new();
    private byte[] _plaintext = [];
    private Capsule _capsule = null!;
    private byte[] _ciphertext = [];
    private VerifiedCapsuleFrag[] _cfrags = [];

    [Params("1 KiB", "50 KB", "1 MiB", "2 MiB")]
    public string Size { get; set; } = "1 KiB";

    [GlobalSetup]
    public void Setup()
    {
        _plaintext = Sizes.Data(Size);
        (_capsule, _ciphertext) = UmbralPre.Encrypt(_fixture.Alice.PublicKey, _plaintext);
        _cfrags = [UmbralPre.Reencrypt(_capsule, _fixture.KFrags2Of3[0]), UmbralPre.Reencrypt(_capsule, _fixture.KFrags2Of3[1])];
    }

    [GlobalCleanup]
    public void Cleanup() => _fixture.Dispose();

    [Benchmark(Description = "encrypt")]
    public Capsule Encrypt() => UmbralPre.Encrypt(_fixture.Alice.PublicKey, _plaintext).Capsule;

    [Benchmark(Description = "decryptOriginal")]
    public byte[] DecryptOriginal() => UmbralPre.DecryptOriginal(_fixture.Alice, _capsule, _ciphertext);

    [Benchmark(Description = "decryptReencrypted")]
    public byte[] DecryptReencrypted() => UmbralPre.DecryptReencrypted(_fixture.Bob, _fixture.Alice.PublicKey, _capsule, _cfrags, _ciphertext);
}

/// <summary>
/// Key generation, kfrags, re-encryption and cfrag verification, named as in reference-bench.mjs;
/// plus 10,000 key pairs on one thread and on both cores (Parallel.For), the key-setup target.
/// </summary>
[BenchmarkCategory("Umbral")]
public class UmbralKeyBenchmarks
{
    private readonly UmbralFixture _fixture = new();
    private Capsule _capsule = null!;
    private byte[] _cfragBytes = [];
    private CapsuleFrag _cfrag = null!;

    [GlobalSetup]
    public void Setup()
    {
        _capsule = UmbralPre.Encrypt(_fixture.Alice.PublicKey, Sizes.Data("1 KiB")).Capsule;
        _cfragBytes = UmbralPre.Reencrypt(_capsule, _fixture.KFrags2Of3[0]).ToBytes();
        _cfrag = CapsuleFrag.FromBytes(_cfragBytes);
    }

    [GlobalCleanup]
    public void Cleanup() => _fixture.Dispose();

    [Benchmark(Description = "keygen")]
    public PublicKey KeyGeneration() => NewKeyPair();

    [Benchmark(Description = "generateKFrags 1-of-1")]
    public int GenerateKFrags1Of1() =>
        UmbralPre.GenerateKFrags(_fixture.Alice, _fixture.Bob.PublicKey, _fixture.Signer, 1, 1, signDelegatingKey: true, signReceivingKey: true).Count;

    [Benchmark(Description = "generateKFrags 2-of-3")]
    public int GenerateKFrags2Of3() =>
        UmbralPre.GenerateKFrags(_fixture.Alice, _fixture.Bob.PublicKey, _fixture.Signer, 2, 3, signDelegatingKey: true, signReceivingKey: true).Count;

    [Benchmark(Description = "reencrypt")]
    public VerifiedCapsuleFrag Reencrypt() => UmbralPre.Reencrypt(_capsule, _fixture.KFrags2Of3[0]);

    [Benchmark(Description = "cfrag fromBytes+verify")]
    public VerifiedCapsuleFrag ParseAndVerifyCapsuleFrag() =>
        CapsuleFrag.FromBytes(_cfragBytes).Verify(_capsule, _fixture.Signer.VerifyingKey, _fixture.Alice.PublicKey, _fixture.Bob.PublicKey);

    [Benchmark(Description = "cfrag verify (parsed)")]
    public VerifiedCapsuleFrag VerifyCapsuleFrag() =>
        _cfrag.Verify(_capsule, _fixture.Signer.VerifyingKey, _fixture.Alice.PublicKey, _fixture.Bob.PublicKey);

    [Benchmark(Description = "keygen x10000 (one thread)")]
    public int KeyPairs10000OneThread()
    {
        for (var i = 0; i < 10_000; i++)
            NewKeyPair();
        return 10_000;
    }

    [Benchmark(Description = "keygen x10000 (both cores)")]
    public int KeyPairs10000BothCores()
    {
        Parallel.For(0, 10_000, _ => NewKeyPair());
        return 10_000;
    }

    private static PublicKey NewKeyPair()
    {
        using var secretKey = SecretKey.Random();
        return secretKey.PublicKey;
    }
}

/// <summary>The reference script's fixed keys: alice 0x11…, bob 0x22…, signer 0x33…; kfrags alice → bob, 2-of-3, both keys signed.</summary>
internal sealed class UmbralFixture : IDisposable
{
    public UmbralFixture()
    {
        Alice = SecretKey.FromBigEndianBytes(Enumerable.Repeat((byte)0x11, 32).ToArray());
        Bob = SecretKey.FromBigEndianBytes(Enumerable.Repeat((byte)0x22, 32).ToArray());
        SignerKey = SecretKey.FromBigEndianBytes(Enumerable.Repeat((byte)0x33, 32).ToArray());
        Signer = new Signer(SignerKey);
        KFrags2Of3 = UmbralPre.GenerateKFrags(Alice, Bob.PublicKey, Signer, 2, 3, signDelegatingKey: true, signReceivingKey: true);
    }

    public SecretKey Alice { get; }

    public SecretKey Bob { get; }

    public SecretKey SignerKey { get; }

    public Signer Signer { get; }

    public IReadOnlyList<VerifiedKeyFrag> KFrags2Of3 { get; }

    public void Dispose()
    {
        Alice.Dispose();
        Bob.Dispose();
        SignerKey.Dispose();
    }
}
