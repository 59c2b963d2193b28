using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Crypto.Tests.Umbral;

/// <summary>Round trips over seeded random keys, thresholds and plaintexts from 0 bytes to 4 MiB.</summary>
public class UmbralPropertyTests
{
    public static TheoryData<int> PlaintextSizes => [0, 1, 23, 24, 40, 1000, 65_536, 1 << 20, 4 << 20];

    [Theory, MemberData(nameof(PlaintextSizes))]
    public void Given_random_keys_and_a_plaintext_When_encrypting_and_decrypting_both_ways_Then_the_plaintext_returns(int size)
    {
        var rng = new SeededRandomSource(size);
        var plaintext = new byte[size];
        rng.Fill(plaintext);
        using var alice = SecretKey.Random(rng);
        using var bob = SecretKey.Random(rng);
        using var signerKey = SecretKey.Random(rng);
        var signer = new Signer(signerKey);

        var (capsule, ciphertext) = UmbralPre.Encrypt(alice.PublicKey, plaintext, rng);
        ciphertext.Length.ShouldBe(size + 40);
        // SequenceEqual: Shouldly's element-wise comparison takes seconds on 4 MiB.
        UmbralPre.DecryptOriginal(alice, Capsule.FromBytes(capsule.ToBytes()), ciphertext).AsSpan().SequenceEqual(plaintext).ShouldBeTrue();

        var kfrags = UmbralPre.GenerateKFrags(alice, bob.PublicKey, signer, 2, 3, true, true, rng);
        var cfrags = kfrags.Take(2)
            .Select(k => CapsuleFrag.FromBytes(UmbralPre.Reencrypt(capsule, k, rng).ToBytes())
                .Verify(capsule, signer.VerifyingKey, alice.PublicKey, bob.PublicKey))
            .ToArray();
        UmbralPre.DecryptReencrypted(bob, alice.PublicKey, capsule, cfrags, ciphertext).AsSpan().SequenceEqual(plaintext).ShouldBeTrue();
    }

    [Fact]
    public void Given_many_random_thresholds_and_subsets_When_decrypting_as_receiver_Then_every_subset_of_size_t_works()
    {
        var rng = new SeededRandomSource(77);
        var random = new Random(77);
        for (var round = 0; round < 12; round++)
        {
            using var alice = SecretKey.Random(rng);
            using var bob = SecretKey.Random(rng);
            using var signerKey = SecretKey.Random(rng);
            var signer = new Signer(signerKey);
            var shares = random.Next(1, 7);
            var threshold = random.Next(1, shares + 1);
            var plaintext = new byte[random.Next(0, 300)];
            rng.Fill(plaintext);
            var signDelegating = random.Next(2) == 0;
            var signReceiving = random.Next(2) == 0;

            var (capsule, ciphertext) = UmbralPre.Encrypt(alice.PublicKey, plaintext, rng);
            var kfrags = UmbralPre.GenerateKFrags(alice, bob.PublicKey, signer, threshold, shares, signDelegating, signReceiving, rng)
                .Select(k => KeyFrag.FromBytes(k.ToBytes()).Verify(signer.VerifyingKey, signDelegating ? alice.PublicKey : null, signReceiving ? bob.PublicKey : null))
                .ToArray();
            var subset = kfrags.OrderBy(_ => random.Next()).Take(threshold).ToArray();
            var cfrags = subset.Select(k => UmbralPre.Reencrypt(capsule, k, rng)).ToArray();

            UmbralPre.DecryptReencrypted(bob, alice.PublicKey, capsule, cfrags, ciphertext).ShouldBe(plaintext, $"round {round}: {threshold}-of-{shares}");
        }
    }

    [Fact]
    public void Given_the_kem_When_encapsulating_Then_owner_and_receiver_recover_the_same_shared_secret()
    {
        var rng = new SeededRandomSource(5);
        using var alice = SecretKey.Random(rng);
        using var bob = SecretKey.Random(rng);
        using var signerKey = SecretKey.Random(rng);
        var kfrags = UmbralPre.GenerateKFrags(alice, bob.PublicKey, new Signer(signerKey), 2, 2, false, false, rng);

        var (capsule, shared) = UmbralKem.Encapsulate(alice.PublicKey, rng);
        using (shared)
        {
            using var owner = UmbralKem.DecapsulateOriginal(alice, capsule);
            using var receiver = UmbralKem.DecapsulateReencrypted(bob, alice.PublicKey, capsule, kfrags.Select(k => UmbralPre.Reencrypt(capsule, k, rng)));

            shared.Length.ShouldBe(UmbralKem.SharedSecretSize);
            owner.FixedTimeEquals(shared).ShouldBeTrue();
            receiver.FixedTimeEquals(shared).ShouldBeTrue();
        }
    }
}
