using BenchmarkDotNet.Attributes;
using NSec.Cryptography;
using SeSPHR.Crypto.Passwords;

namespace SeSPHR.Benchmarks;

/// <summary>
/// Argon2id at the production parameters (64 MiB, 3 passes, 1 lane) through Geralt and NSec, and
/// the whole client-side login derivation (policy check, Argon2id, HKDF authentication secret).
/// </summary>
[BenchmarkCategory("Argon2id")]
public class PasswordBenchmarks
{
    private static readonly Argon2idParameters Production = PasswordKdfPolicy.Production.Recommended;

    private readonly byte[] _password = "correct horse battery staple"u8.ToArray();
    private readonly byte[] _salt = new byte[16];
    private readonly byte[] _output = new byte[32];
    private readonly PasswordKdfSettings _settings = PasswordKdfSettings.CreateNew();
    private readonly PasswordBasedKeyDerivationAlgorithm _nsecArgon2id = PasswordBasedKeyDerivationAlgorithm.Argon2id(
        new Argon2Parameters { DegreeOfParallelism = 1, MemorySize = Production.MemoryKiB, NumberOfPasses = Production.Iterations });

    [Benchmark(Baseline = true, Description = "Geralt Argon2id 64 MiB t=3")]
    public byte[] GeraltArgon2id()
    {
        Geralt.Argon2id.DeriveKey(_output, _password, _salt, Production.Iterations, Production.MemoryKiB * 1024);
        return _output;
    }

    [Benchmark(Description = "NSec Argon2id 64 MiB t=3")]
    public byte[] NSecArgon2id()
    {
        _nsecArgon2id.DeriveBytes(_password, _salt, _output);
        return _output;
    }

    [Benchmark(Description = "login: master key + authentication secret")]
    public int DeriveAuthenticationSecret()
    {
        using var key = PasswordMasterKey.Derive("correct horse battery staple", "patient-0001", _settings);
        using var secret = key.DeriveAuthenticationSecret();
        return secret.Length;
    }
}
