using BenchmarkDotNet.Attributes;
using SeSPHR.Client.Accounts;
using SeSPHR.Crypto.Passwords;

namespace SeSPHR.Benchmarks.Paper;

/// <summary>
/// The paper's key generation (its Fig. 3): the key pairs of N users and nothing else, as the paper
/// measured it. A user's key pairs are the client's: the Umbral decryption pair and the signing pair
/// (<see cref="UserKeys.CreateRandom"/>, public keys derived), one thread.
/// </summary>
[BenchmarkCategory("Paper")]
public class PaperKeyGenerationBenchmarks
{
    [Params(10, 100, 1_000, 10_000)]
    public int Users { get; set; } = 10;

    [Benchmark(Description = "key pairs of N users")]
    public int KeyPairs()
    {
        var compressed = 0;
        for (var i = 0; i < Users; i++)
        {
            using var keys = UserKeys.CreateRandom();
            compressed += keys.DecryptionPublicKey.ToCompressedBytes().Length + keys.SigningPublicKey.ToCompressedBytes().Length;
        }

        return compressed;
    }
}

/// <summary>
/// The whole client-side cost of one registration, which the paper's key generation leaves out: the
/// key pairs, Argon2id at the production parameters, the authentication secret and the sealed key
/// backup (the network round trips to the SRS are in the turnaround figures, not here).
/// </summary>
[BenchmarkCategory("Paper")]
public class PaperRegistrationBenchmarks
{
    [Benchmark(Description = "registration of one user, Argon2id included")]
    public int Register()
    {
        using var keys = UserKeys.CreateRandom();
        var settings = PasswordKdfSettings.CreateNew();
        using var masterKey = PasswordMasterKey.Derive("correct horse battery staple 2026", "bench-user", settings);
        using var secret = masterKey.DeriveAuthenticationSecret();
        var payload = keys.ToBackupPayload();
        return KeyBackup.Seal(masterKey, payload).Length + secret.AsSpan().Length;
    }
}

/// <summary>
/// The paper's encryption and decryption against file size (its Figs. 4 and 5) with SeSPHR's section
/// envelope (<see cref="SectionEnvelopeBenchmarks"/>). Sizes are KiB (1,024 bytes), the paper's KB.
/// </summary>
[BenchmarkCategory("Paper")]
public class PaperSectionBenchmarks : SectionEnvelopeBenchmarks
{
    [Params(50, 100, 200, 500, 800, 1_024, 1_500, 2_048)]
    public int KiB { get; set; } = 50;

    protected override int Bytes => KiB * 1024;
}
