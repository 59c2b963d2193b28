using Org.BouncyCastle.Math;
using SeSPHR.Crypto.Primitives;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Crypto.Tests.Umbral;

public class Rfc6979KCalculatorTests
{
    // RFC 6979 A.2.5, ECDSA with P-256 and SHA-256 (no additional data). The calculator only needs
    // the group order, so the P-256 answers check the §3.2 steps; the Umbral vectors check §3.6.
    private static readonly BigInteger P256Order = new("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);
    private static readonly BigInteger P256Key = new("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721", 16);

    [Theory]
    [InlineData("sample", "A6E3C57DD01ABE90086538398355DD4C3B17AA873382B0F24D6129493D8AAD60")]
    [InlineData("test", "D16B6AE827F17175E040871A1C7EC3500192C4C92677336EC2537ACAEE0008E0")]
    public void Given_the_RFC_6979_P256_key_When_deriving_k_for_a_message_Then_k_matches_appendix_A_2_5(string message, string expectedK)
    {
        var calculator = new Rfc6979KCalculator([]);
        calculator.Init(P256Order, P256Key, Sha256.Hash(System.Text.Encoding.ASCII.GetBytes(message)));

        calculator.NextK().ShouldBe(new BigInteger(expectedK, 16));
    }

    [Fact]
    public void Given_additional_data_When_deriving_k_Then_k_changes_but_stays_deterministic()
    {
        var digest = Sha256.Hash("sample"u8);
        BigInteger K(byte[] extra)
        {
            var calculator = new Rfc6979KCalculator(extra);
            calculator.Init(P256Order, P256Key, digest);
            return calculator.NextK();
        }

        var plain = K([]);
        var hedged = K(new byte[32]);

        hedged.ShouldNotBe(plain);
        K(new byte[32]).ShouldBe(hedged);
    }

    [Fact]
    public void Given_one_key_and_message_When_signing_with_different_entropy_Then_signatures_differ_and_all_verify()
    {
        using var key = SecretKey.Random(new SeededRandomSource(1));
        var signer = new Signer(key);
        var rng = new SeededRandomSource(2);

        var first = signer.Sign("message"u8, rng);
        var second = signer.Sign("message"u8, rng);

        first.ShouldNotBe(second);
        first.Verify(key.PublicKey, "message"u8).ShouldBeTrue();
        second.Verify(key.PublicKey, "message"u8).ShouldBeTrue();
        // Low-S: s ≤ n/2 for every signature we emit.
        new BigInteger(1, first.ToBigEndianBytes().AsSpan(32)).ShouldBeLessThanOrEqualTo(Secp256k1.N.ShiftRight(1));
    }
}
