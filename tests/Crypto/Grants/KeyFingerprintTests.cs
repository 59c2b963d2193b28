using SeSPHR.Crypto.Grants;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Crypto.Tests.Grants;

public class KeyFingerprintTests
{
    private static SecretKey Key(byte fill) => SecretKey.FromBigEndianBytes(Enumerable.Repeat(fill, 32).ToArray());

    [Fact]
    public void Given_the_vector_keys_When_fingerprinted_Then_the_digest_matches_an_independent_computation()
    {
        // shared/vectors/umbral: alice (sk 0x11..11) as the decryption key, signer (sk 0x33..33) as the
        // signing key; expected = Python hashlib.sha256(u32be(25) || "SeSPHR/key-fingerprint/v1" || pk_a || pk_s).
        using var decryption = Key(0x11);
        using var signing = Key(0x33);

        var fingerprint = KeyFingerprint.Compute(decryption.PublicKey, signing.PublicKey);

        Convert.ToHexStringLower(fingerprint.ToBytes()).ShouldBe("86d5026f072266d8e222b28958d1a96d5757e85acce110e504b532ae64d7b916");
        fingerprint.ToDisplayString().ShouldBe("86d5 026f 0722 66d8 e222 b289 58d1 a96d");
    }

    [Fact]
    public void Given_a_substituted_or_swapped_key_When_fingerprinted_Then_the_fingerprint_changes()
    {
        using var decryption = Key(0x11);
        using var signing = Key(0x33);
        using var other = Key(0x44);
        var original = KeyFingerprint.Compute(decryption.PublicKey, signing.PublicKey);

        KeyFingerprint.Compute(other.PublicKey, signing.PublicKey).ShouldNotBe(original);
        KeyFingerprint.Compute(decryption.PublicKey, other.PublicKey).ShouldNotBe(original);
        KeyFingerprint.Compute(signing.PublicKey, decryption.PublicKey).ShouldNotBe(original);
        original.Matches(decryption.PublicKey, signing.PublicKey).ShouldBeTrue();
        original.Matches(decryption.PublicKey, other.PublicKey).ShouldBeFalse();
    }

    [Fact]
    public void Given_random_keys_When_displayed_Then_it_is_eight_groups_of_four_hex_digits_of_the_first_128_bits()
    {
        var fingerprint = GrantTestData.NewFingerprint();

        var display = fingerprint.ToDisplayString();

        display.ShouldMatch("^([0-9a-f]{4} ){7}[0-9a-f]{4}$");
        display.Replace(" ", "", StringComparison.Ordinal).ShouldBe(Convert.ToHexStringLower(fingerprint.ToBytes()[..16]));
        fingerprint.ToString().ShouldBe(display);
    }

    [Fact]
    public void Given_fingerprint_bytes_When_parsed_Then_equal_and_wrong_lengths_are_refused()
    {
        var fingerprint = GrantTestData.NewFingerprint();

        KeyFingerprint.FromBytes(fingerprint.ToBytes()).ShouldBe(fingerprint);
        Should.Throw<ArgumentException>(() => KeyFingerprint.FromBytes(fingerprint.ToBytes().AsSpan(0, 16)));
    }
}
