using BenchmarkDotNet.Attributes;
using SeSPHR.Client.Accounts;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Passwords;
using SeSPHR.Crypto.Umbral;

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
/// envelope: seal (Umbral encapsulation, XChaCha20-Poly1305, the writer's signature), open by the
/// owner (signature, decapsulation, AEAD tag), the SRS's re-encryption of the capsule, and open by a
/// grantee from one verified cfrag. Sizes are KiB (1,024 bytes), the paper's KB.
/// </summary>
[BenchmarkCategory("Paper")]
public class PaperSectionBenchmarks
{
    private readonly EnvelopeContext _context = new("Observation", "5c4b9a1e-0d7f-4a3b-9c2e-6f1d8e7a0b34", "vitals", 1);
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

    [Params(50, 100, 200, 500, 800, 1_024, 1_500, 2_048)]
    public int KiB { get; set; } = 50;

    [GlobalSetup]
    public void Setup()
    {
        _sectionKeys = SectionKeys.FromMasterSecret(Enumerable.Repeat((byte)0x44, 32).ToArray());
        _sectionSecretKey = _sectionKeys.SecretKey("vitals", 1);
        _writerKey = SecretKey.Random();
        _writer = new Signer(_writerKey);
        _granteeKey = SecretKey.Random();
        _plaintext = new byte[KiB * 1024];
        Random.Shared.NextBytes(_plaintext);
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

    [Benchmark(Description = "seal")]
    public byte[] Seal() => SectionEnvelope.Seal(_context, _sectionSecretKey.PublicKey, _plaintext, _boundFieldsHash, _writer);

    [Benchmark(Description = "open by the owner")]
    public byte[] OpenAsOwner() =>
        SectionEnvelope.Open(_envelope, _context, _boundFieldsHash, _writerKey.PublicKey, EnvelopeRecipient.Owner(_sectionSecretKey));

    [Benchmark(Description = "re-encryption (SRS)")]
    public VerifiedCapsuleFrag Reencrypt() => UmbralPre.Reencrypt(SectionEnvelope.ReadHeader(_envelope).Capsule, _kfrag);

    [Benchmark(Description = "open by a grantee")]
    public byte[] OpenAsGrantee() =>
        SectionEnvelope.Open(_envelope, _context, _boundFieldsHash, _writerKey.PublicKey,
            EnvelopeRecipient.Grantee(_granteeKey, _sectionSecretKey.PublicKey, _writerKey.PublicKey, _cfrags));
}
