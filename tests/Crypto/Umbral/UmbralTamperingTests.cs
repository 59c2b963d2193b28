using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Crypto.Tests.Umbral;

/// <summary>
/// Flips bits in every serialized Umbral object and checks that each alteration is rejected with
/// a typed error, and that fragments never work for another capsule or receiver.
/// </summary>
public sealed class UmbralTamperingTests : IDisposable
{
    private readonly SeededRandomSource _rng = new(20240601);
    private readonly SecretKey _alice;
    private readonly SecretKey _bob;
    private readonly SecretKey _carol;
    private readonly SecretKey _signerKey;
    private readonly Signer _signer;

    public UmbralTamperingTests()
    {
        _alice = SecretKey.Random(_rng);
        _bob = SecretKey.Random(_rng);
        _carol = SecretKey.Random(_rng);
        _signerKey = SecretKey.Random(_rng);
        _signer = new Signer(_signerKey);
    }

    public void Dispose()
    {
        _alice.Dispose();
        _bob.Dispose();
        _carol.Dispose();
        _signerKey.Dispose();
    }

    [Fact]
    public void Given_a_capsule_When_any_bit_is_flipped_Then_parsing_rejects_it()
    {
        var (capsule, _) = UmbralPre.Encrypt(_alice.PublicKey, "x"u8, _rng);
        var bytes = capsule.ToBytes();

        foreach (var tampered in EveryBitFlipped(bytes))
        {
            var error = Should.Throw<UmbralException>(() => Capsule.FromBytes(tampered));
            error.GetType().ShouldBeOneOf(typeof(InvalidEncodingException), typeof(TamperedCapsuleException));
        }
    }

    [Fact]
    public void Given_a_ciphertext_When_any_bit_is_flipped_Then_decryption_fails_with_no_plaintext()
    {
        var (capsule, ciphertext) = UmbralPre.Encrypt(_alice.PublicKey, new byte[32], _rng);

        foreach (var tampered in EveryBitFlipped(ciphertext))
            Should.Throw<DecryptionFailedException>(() => UmbralPre.DecryptOriginal(_alice, capsule, tampered));
    }

    [Fact]
    public void Given_a_ciphertext_When_opened_with_another_capsule_Then_decryption_fails()
    {
        var (capsule, ciphertext) = UmbralPre.Encrypt(_alice.PublicKey, "secret"u8, _rng);
        var (otherCapsule, _) = UmbralPre.Encrypt(_alice.PublicKey, "secret"u8, _rng);

        UmbralPre.DecryptOriginal(_alice, capsule, ciphertext).ShouldBe("secret"u8.ToArray());
        Should.Throw<DecryptionFailedException>(() => UmbralPre.DecryptOriginal(_alice, otherCapsule, ciphertext));
        Should.Throw<DecryptionFailedException>(() => UmbralPre.DecryptOriginal(_bob, capsule, ciphertext));
    }

    [Fact]
    public void Given_a_kfrag_When_any_byte_has_a_bit_flipped_Then_parsing_or_verification_rejects_it()
    {
        var bytes = UmbralPre.GenerateKFrags(_alice, _bob.PublicKey, _signer, 2, 3, true, true, _rng)[0].ToBytes();

        foreach (var tampered in OneBitPerByteFlipped(bytes, bitsPerByte: 3))
        {
            var error = Should.Throw<UmbralException>(() => KeyFrag.FromBytes(tampered).Verify(_signer.VerifyingKey, _alice.PublicKey, _bob.PublicKey));
            error.GetType().ShouldBeOneOf(typeof(InvalidEncodingException), typeof(KeyFragVerificationException));
        }
    }

    [Fact]
    public void Given_a_kfrag_When_verified_against_another_signer_or_keys_Then_it_is_rejected()
    {
        var kfrag = UmbralPre.GenerateKFrags(_alice, _bob.PublicKey, _signer, 1, 1, true, true, _rng)[0].KeyFrag;

        Should.Throw<KeyFragVerificationException>(() => kfrag.Verify(_carol.PublicKey, _alice.PublicKey, _bob.PublicKey))
            .Reason.ShouldBe(KeyFragFailure.InvalidSignature);
        Should.Throw<KeyFragVerificationException>(() => kfrag.Verify(_signer.VerifyingKey, _alice.PublicKey, _carol.PublicKey))
            .Reason.ShouldBe(KeyFragFailure.InvalidSignature);
        Should.Throw<KeyFragVerificationException>(() => kfrag.Verify(_signer.VerifyingKey, _alice.PublicKey))
            .Reason.ShouldBe(KeyFragFailure.ReceivingKeyNotProvided);
    }

    [Fact]
    public void Given_a_cfrag_When_any_byte_has_a_bit_flipped_Then_parsing_or_verification_rejects_it()
    {
        var (capsule, _) = UmbralPre.Encrypt(_alice.PublicKey, "x"u8, _rng);
        var kfrag = UmbralPre.GenerateKFrags(_alice, _bob.PublicKey, _signer, 2, 3, true, true, _rng)[1];
        var bytes = UmbralPre.Reencrypt(capsule, kfrag, _rng).ToBytes();

        foreach (var tampered in OneBitPerByteFlipped(bytes, bitsPerByte: 2))
        {
            var error = Should.Throw<UmbralException>(() =>
                CapsuleFrag.FromBytes(tampered).Verify(capsule, _signer.VerifyingKey, _alice.PublicKey, _bob.PublicKey));
            error.GetType().ShouldBeOneOf(typeof(InvalidEncodingException), typeof(CapsuleFragVerificationException));
        }
    }

    [Fact]
    public void Given_a_signature_When_any_bit_is_flipped_Then_it_no_longer_verifies()
    {
        var signature = _signer.Sign("grant"u8, _rng).ToBigEndianBytes();

        foreach (var tampered in EveryBitFlipped(signature))
        {
            bool Verifies()
            {
                try
                {
                    return Signature.FromBigEndianBytes(tampered).Verify(_signer.VerifyingKey, "grant"u8);
                }
                catch (InvalidEncodingException)
                {
                    return false;
                }
            }

            Verifies().ShouldBeFalse();
        }
    }

    [Fact]
    public void Given_a_cfrag_When_verified_for_another_capsule_Then_the_proof_fails()
    {
        var (capsule, _) = UmbralPre.Encrypt(_alice.PublicKey, "a"u8, _rng);
        var (otherCapsule, _) = UmbralPre.Encrypt(_alice.PublicKey, "b"u8, _rng);
        var kfrag = UmbralPre.GenerateKFrags(_alice, _bob.PublicKey, _signer, 1, 1, true, true, _rng)[0];
        var cfrag = UmbralPre.Reencrypt(capsule, kfrag, _rng).CapsuleFrag;

        Should.Throw<CapsuleFragVerificationException>(() => cfrag.Verify(otherCapsule, _signer.VerifyingKey, _alice.PublicKey, _bob.PublicKey))
            .Reason.ShouldBe(CapsuleFragFailure.InvalidProof);
    }

    [Fact]
    public void Given_a_kfrag_signature_remembered_as_valid_When_its_cfrags_meet_another_capsule_receiver_or_signer_Then_each_is_still_refused()
    {
        var memo = new VerifiedSignatures();
        var (capsule, _) = UmbralPre.Encrypt(_alice.PublicKey, "a"u8, _rng);
        var (otherCapsule, _) = UmbralPre.Encrypt(_alice.PublicKey, "b"u8, _rng);
        var kfrag = UmbralPre.GenerateKFrags(_alice, _bob.PublicKey, _signer, 1, 1, true, true, _rng)[0];
        var cfrag = UmbralPre.Reencrypt(capsule, kfrag, _rng).CapsuleFrag;
        var otherCfrag = UmbralPre.Reencrypt(otherCapsule, kfrag, _rng).CapsuleFrag;
        using var mallory = SecretKey.Random(_rng);

        cfrag.Verify(capsule, _signer.VerifyingKey, _alice.PublicKey, _bob.PublicKey, memo);
        otherCfrag.Verify(otherCapsule, _signer.VerifyingKey, _alice.PublicKey, _bob.PublicKey, memo);

        Should.Throw<CapsuleFragVerificationException>(() => cfrag.Verify(otherCapsule, _signer.VerifyingKey, _alice.PublicKey, _bob.PublicKey, memo))
            .Reason.ShouldBe(CapsuleFragFailure.InvalidProof);
        Should.Throw<CapsuleFragVerificationException>(() => cfrag.Verify(capsule, _signer.VerifyingKey, _alice.PublicKey, _carol.PublicKey, memo))
            .Reason.ShouldBe(CapsuleFragFailure.InvalidSignature);
        Should.Throw<CapsuleFragVerificationException>(() => cfrag.Verify(capsule, mallory.PublicKey, _alice.PublicKey, _bob.PublicKey, memo))
            .Reason.ShouldBe(CapsuleFragFailure.InvalidSignature);
        Should.Throw<CapsuleFragVerificationException>(() => cfrag.Verify(capsule, _signer.VerifyingKey, mallory.PublicKey, _bob.PublicKey, memo))
            .Reason.ShouldBe(CapsuleFragFailure.InvalidSignature);
    }

    [Fact]
    public void Given_a_cfrag_for_bob_When_carol_verifies_or_uses_it_Then_she_is_refused()
    {
        var (capsule, ciphertext) = UmbralPre.Encrypt(_alice.PublicKey, "for bob"u8, _rng);
        var kfrag = UmbralPre.GenerateKFrags(_alice, _bob.PublicKey, _signer, 1, 1, true, true, _rng)[0];
        var cfrag = UmbralPre.Reencrypt(capsule, kfrag, _rng);

        Should.Throw<CapsuleFragVerificationException>(() => cfrag.CapsuleFrag.Verify(capsule, _signer.VerifyingKey, _alice.PublicKey, _carol.PublicKey))
            .Reason.ShouldBe(CapsuleFragFailure.InvalidSignature);
        // Even if she skips verification, the fragments do not open the capsule for her key.
        Should.Throw<TooFewCapsuleFragsException>(() => UmbralPre.DecryptReencrypted(_carol, _alice.PublicKey, capsule, [cfrag], ciphertext));
        UmbralPre.DecryptReencrypted(_bob, _alice.PublicKey, capsule, [cfrag], ciphertext).ShouldBe("for bob"u8.ToArray());
    }

    [Theory]
    [InlineData(2, 3)]
    [InlineData(3, 5)]
    [InlineData(4, 4)]
    public void Given_t_of_n_kfrags_When_only_t_minus_1_cfrags_are_combined_Then_decryption_fails(int threshold, int shares)
    {
        var (capsule, ciphertext) = UmbralPre.Encrypt(_alice.PublicKey, "threshold"u8, _rng);
        var kfrags = UmbralPre.GenerateKFrags(_alice, _bob.PublicKey, _signer, threshold, shares, false, false, _rng);
        var cfrags = kfrags.Select(k => UmbralPre.Reencrypt(capsule, k, _rng)).ToArray();

        Should.Throw<TooFewCapsuleFragsException>(() =>
            UmbralPre.DecryptReencrypted(_bob, _alice.PublicKey, capsule, cfrags.Take(threshold - 1), ciphertext));
        UmbralPre.DecryptReencrypted(_bob, _alice.PublicKey, capsule, cfrags.Skip(shares - threshold), ciphertext)
            .ShouldBe("threshold"u8.ToArray());
    }

    [Fact]
    public void Given_secret_objects_When_formatted_Then_no_secret_is_shown()
    {
        using var factory = SecretKeyFactory.Random(_rng);
        using var skBytes = _alice.ToBigEndianBytes();
        var hex = Convert.ToHexStringLower(skBytes.AsSpan());

        $"{_alice} {_signer} {factory}".ShouldNotContain(hex[..8]);
        _alice.ToString().ShouldBe("SecretKey(redacted)");
    }

    private static IEnumerable<byte[]> EveryBitFlipped(byte[] bytes)
    {
        for (var bit = 0; bit < bytes.Length * 8; bit++)
        {
            var copy = (byte[])bytes.Clone();
            copy[bit / 8] ^= (byte)(1 << (bit % 8));
            yield return copy;
        }
    }

    private IEnumerable<byte[]> OneBitPerByteFlipped(byte[] bytes, int bitsPerByte)
    {
        var choice = new byte[1];
        for (var position = 0; position < bytes.Length; position++)
        {
            _rng.Fill(choice);
            for (var k = 0; k < bitsPerByte; k++)
            {
                var copy = (byte[])bytes.Clone();
                copy[position] ^= (byte)(1 << ((choice[0] + (3 * k)) % 8));
                yield return copy;
            }
        }
    }
}
