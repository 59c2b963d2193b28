using System.Text;
using SeSPHR.Crypto.Primitives;

namespace SeSPHR.Crypto.Tests.Primitives;

public class HkdfSha256Tests
{
    [Fact]
    public void Given_RFC5869_case_1_When_deriving_Then_okm_matches()
    {
        // RFC 5869 A.1, basic test case with SHA-256
        var ikm = Convert.FromHexString("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
        var salt = Convert.FromHexString("000102030405060708090a0b0c");
        var info = Convert.FromHexString("f0f1f2f3f4f5f6f7f8f9");

        var okm = HkdfSha256.DeriveKey(ikm, salt, info, 42);

        Convert.ToHexStringLower(okm).ShouldBe("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
    }

    [Fact]
    public void Given_RFC5869_case_3_without_salt_or_info_When_deriving_a_secret_Then_okm_matches()
    {
        // RFC 5869 A.3, test with SHA-256 and zero-length salt/info
        var ikm = Convert.FromHexString("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");

        using var okm = HkdfSha256.DeriveSecret(ikm, [], [], 42);

        Convert.ToHexStringLower(okm.AsSpan()).ShouldBe("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
    }

    [Fact]
    public void Given_two_labels_When_deriving_from_one_secret_Then_keys_differ()
    {
        var ikm = new byte[32];

        var a = HkdfSha256.DeriveKey(ikm, [], Encoding.ASCII.GetBytes("a"), 32);
        var b = HkdfSha256.DeriveKey(ikm, [], Encoding.ASCII.GetBytes("b"), 32);

        a.ShouldNotBe(b);
    }

    [Fact]
    public void Given_abc_When_hashing_with_sha256_Then_digest_matches_FIPS_180_2()
    {
        // FIPS 180-2 appendix B.1, one-block message "abc"
        Convert.ToHexStringLower(Sha256.Hash("abc"u8)).ShouldBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
