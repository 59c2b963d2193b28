using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Tests.Umbral;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Crypto.Tests.Envelopes;

public sealed class SectionKeysTests : IDisposable
{
    private static readonly byte[] Master = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    private readonly SeededRandomSource _rng = new(8);
    private readonly SectionKeys _keys = SectionKeys.FromMasterSecret(Master);
    private readonly SecretKey _grantee;
    private readonly SecretKey _signingKey;

    public SectionKeysTests()
    {
        _grantee = SecretKey.Random(_rng);
        _signingKey = SecretKey.Random(_rng);
    }

    public void Dispose()
    {
        _keys.Dispose();
        _grantee.Dispose();
        _signingKey.Dispose();
    }

    [Fact]
    public void Given_a_section_and_epoch_When_deriving_Then_the_key_is_the_factory_key_of_its_label()
    {
        SectionKeys.Label("vitals", 3).ShouldBe("section/vitals/epoch/3");
        using var factory = SecretKeyFactory.FromSecureRandomness(Master);
        using var expected = factory.MakeKey("section/vitals/epoch/3");

        _keys.PublicKey("vitals", 3).ShouldBe(expected.PublicKey);
    }

    [Fact]
    public void Given_different_sections_and_epochs_When_deriving_Then_every_key_differs_and_rederivation_is_stable()
    {
        var keys = new[] { ("vitals", 1u), ("vitals", 2u), ("medical", 1u), ("insurance", 1u) }
            .Select(k => _keys.PublicKey(k.Item1, k.Item2))
            .ToArray();

        keys.Distinct().Count().ShouldBe(keys.Length);
        using var again = SectionKeys.FromMasterSecret(Master);
        again.PublicKey("medical", 1).ShouldBe(keys[2]);
    }

    [Theory]
    [InlineData("insurance", 1u, "medical", 1u)]
    [InlineData("vitals", 2u, "vitals", 3u)]
    public void Given_a_kfrag_for_one_section_or_epoch_When_used_on_another_ones_capsule_Then_it_cannot_open_it(
        string grantedSection, uint grantedEpoch, string targetSection, uint targetEpoch)
    {
        using var granted = _keys.SecretKey(grantedSection, grantedEpoch);
        var target = _keys.PublicKey(targetSection, targetEpoch);
        var signer = new Signer(_signingKey);
        var kfrag = UmbralPre.GenerateKFrags(granted, _grantee.PublicKey, signer, 1, 1, true, true, _rng)[0];
        var (capsule, ciphertext) = UmbralPre.Encrypt(target, "diagnosis"u8, _rng);
        var cfrag = UmbralPre.Reencrypt(capsule, kfrag, _rng);

        // Checked against the target section's key, the fragment is refused ...
        Should.Throw<CapsuleFragVerificationException>(() => cfrag.CapsuleFrag.Verify(capsule, signer.VerifyingKey, target, _grantee.PublicKey));
        // ... and even unchecked, the mathematics does not yield the target's key.
        Should.Throw<TooFewCapsuleFragsException>(() => UmbralPre.DecryptReencrypted(_grantee, target, capsule, [cfrag], ciphertext));
        Should.Throw<DecryptionFailedException>(() => UmbralPre.DecryptReencrypted(_grantee, granted.PublicKey, capsule, [cfrag], ciphertext));
    }

    [Fact]
    public void Given_section_keys_When_formatted_Then_the_master_secret_is_not_shown()
    {
        _keys.ToString().ShouldBe("SectionKeys(redacted)");
        Should.Throw<ArgumentException>(() => SectionKeys.Label("Vitals/", 1));
    }
}
