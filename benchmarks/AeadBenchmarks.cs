using BenchmarkDotNet.Attributes;
using NSec.Cryptography;
using SeSPHR.Crypto.Primitives;

namespace SeSPHR.Benchmarks;

/// <summary>
/// XChaCha20-Poly1305 seal and open through Geralt and NSec (both bind libsodium 1.0.22), and through
/// SeSPHR.Crypto's own <see cref="XChaCha20Poly1305Aead"/> wrapper, on section-sized messages.
/// NSec needs a <see cref="Key"/> object; "fresh key" pays its import each time, as an envelope whose
/// key comes from a new capsule would.
/// </summary>
[BenchmarkCategory("AEAD")]
public class AeadBenchmarks
{
    private static readonly AeadAlgorithm NSecXChaCha = AeadAlgorithm.XChaCha20Poly1305;

    private readonly byte[] _key = new byte[32];
    private readonly byte[] _nonce = new byte[24];
    private readonly byte[] _associatedData = new byte[160];
    private byte[] _plaintext = [];
    private byte[] _ciphertext = [];
    private byte[] _decrypted = [];
    private Key? _nsecKey;

    [Params("1 KiB", "50 KB", "1 MiB", "2 MiB")]
    public string Size { get; set; } = "1 KiB";

    [GlobalSetup]
    public void Setup()
    {
        Random.Shared.NextBytes(_key);
        Random.Shared.NextBytes(_nonce);
        Random.Shared.NextBytes(_associatedData);
        _plaintext = new byte[Sizes.Parse(Size)];
        Random.Shared.NextBytes(_plaintext);
        _ciphertext = new byte[_plaintext.Length + 16];
        _decrypted = new byte[_plaintext.Length];
        _nsecKey = Key.Import(NSecXChaCha, _key, KeyBlobFormat.RawSymmetricKey);
        Geralt.XChaCha20Poly1305.Encrypt(_ciphertext, _plaintext, _nonce, _key, _associatedData);
    }

    [GlobalCleanup]
    public void Cleanup() => _nsecKey?.Dispose();

    [Benchmark(Baseline = true, Description = "Geralt seal")]
    public byte[] GeraltSeal()
    {
        Geralt.XChaCha20Poly1305.Encrypt(_ciphertext, _plaintext, _nonce, _key, _associatedData);
        return _ciphertext;
    }

    [Benchmark(Description = "Geralt open")]
    public byte[] GeraltOpen()
    {
        Geralt.XChaCha20Poly1305.Decrypt(_decrypted, _ciphertext, _nonce, _key, _associatedData);
        return _decrypted;
    }

    [Benchmark(Description = "NSec seal")]
    public byte[] NSecSeal()
    {
        NSecXChaCha.Encrypt(_nsecKey!, _nonce, _associatedData, _plaintext, _ciphertext);
        return _ciphertext;
    }

    [Benchmark(Description = "NSec open")]
    public bool NSecOpen() => NSecXChaCha.Decrypt(_nsecKey!, _nonce, _associatedData, _ciphertext, _decrypted);

    [Benchmark(Description = "NSec seal, fresh key")]
    public byte[] NSecSealFreshKey()
    {
        using var key = Key.Import(NSecXChaCha, _key, KeyBlobFormat.RawSymmetricKey);
        NSecXChaCha.Encrypt(key, _nonce, _associatedData, _plaintext, _ciphertext);
        return _ciphertext;
    }

    [Benchmark(Description = "SeSPHR.Crypto seal")]
    public byte[] SesphrSeal()
    {
        XChaCha20Poly1305Aead.Seal(_key, _nonce, _plaintext, _associatedData, _ciphertext);
        return _ciphertext;
    }

    [Benchmark(Description = "SeSPHR.Crypto open")]
    public bool SesphrOpen() => XChaCha20Poly1305Aead.TryOpen(_key, _nonce, _ciphertext, _associatedData, _decrypted);
}
