using System.Text;
using SeSPHR.Crypto.Primitives;

namespace SeSPHR.Crypto.Tests.Primitives;

public class XChaCha20Poly1305AeadTests
{
    // draft-irtf-cfrg-xchacha-03 §A.3.1, AEAD_XCHACHA20_POLY1305 test vector.
    private static readonly byte[] DraftKey = Convert.FromHexString("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
    private static readonly byte[] DraftNonce = Convert.FromHexString("404142434445464748494a4b4c4d4e4f5051525354555657");
    private static readonly byte[] DraftAad = Convert.FromHexString("50515253c0c1c2c3c4c5c6c7");
    private static readonly byte[] DraftPlaintext = Encoding.ASCII.GetBytes(
        "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
    private const string DraftSealedHex =
        "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb" +
        "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452" +
        "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9" +
        "21f9664c97637da9768812f615c68b13b52e" +
        "c0875924c1c7987947deafd8780acf49";

    [Fact]
    public void Given_the_draft_vector_When_sealing_Then_ciphertext_and_tag_match()
    {
        var sealedBytes = XChaCha20Poly1305Aead.Seal(DraftKey, DraftNonce, DraftPlaintext, DraftAad);

        Convert.ToHexStringLower(sealedBytes).ShouldBe(DraftSealedHex);
    }

    [Fact]
    public void Given_the_draft_vector_When_opening_Then_plaintext_is_returned()
    {
        var opened = XChaCha20Poly1305Aead.Open(DraftKey, DraftNonce, Convert.FromHexString(DraftSealedHex), DraftAad);

        opened.ShouldBe(DraftPlaintext);
    }

    [Fact]
    public void Given_any_flipped_bit_in_ciphertext_or_tag_When_opening_Then_authentication_fails_and_nothing_leaks()
    {
        var sealedBytes = Convert.FromHexString(DraftSealedHex);
        for (var bit = 0; bit < sealedBytes.Length * 8; bit++)
        {
            var tampered = (byte[])sealedBytes.Clone();
            tampered[bit / 8] ^= (byte)(1 << (bit % 8));
            var destination = new byte[tampered.Length - XChaCha20Poly1305Aead.TagSize];

            XChaCha20Poly1305Aead.TryOpen(DraftKey, DraftNonce, tampered, DraftAad, destination).ShouldBeFalse();
            destination.ShouldAllBe(b => b == 0);
        }
    }

    [Fact]
    public void Given_altered_associated_data_nonce_or_key_When_opening_Then_typed_error_is_thrown()
    {
        var sealedBytes = Convert.FromHexString(DraftSealedHex);
        var otherAad = (byte[])DraftAad.Clone();
        otherAad[0] ^= 1;
        var otherNonce = (byte[])DraftNonce.Clone();
        otherNonce[23] ^= 0x80;
        var otherKey = (byte[])DraftKey.Clone();
        otherKey[5] ^= 4;

        Should.Throw<AuthenticationFailedException>(() => XChaCha20Poly1305Aead.Open(DraftKey, DraftNonce, sealedBytes, otherAad));
        Should.Throw<AuthenticationFailedException>(() => XChaCha20Poly1305Aead.Open(DraftKey, otherNonce, sealedBytes, DraftAad));
        Should.Throw<AuthenticationFailedException>(() => XChaCha20Poly1305Aead.Open(otherKey, DraftNonce, sealedBytes, DraftAad));
        Should.Throw<AuthenticationFailedException>(() => XChaCha20Poly1305Aead.Open(DraftKey, DraftNonce, sealedBytes.AsSpan(0, 15), DraftAad));
    }

    [Fact]
    public void Given_an_empty_plaintext_When_sealing_and_opening_Then_only_the_tag_travels()
    {
        var sealedBytes = XChaCha20Poly1305Aead.Seal(DraftKey, DraftNonce, [], []);

        sealedBytes.Length.ShouldBe(XChaCha20Poly1305Aead.TagSize);
        XChaCha20Poly1305Aead.Open(DraftKey, DraftNonce, sealedBytes, []).ShouldBeEmpty();
    }

    [Fact]
    public void Given_wrong_key_or_nonce_sizes_When_sealing_Then_argument_errors_are_thrown()
    {
        Should.Throw<ArgumentException>(() => XChaCha20Poly1305Aead.Seal(new byte[31], DraftNonce, [], []));
        Should.Throw<ArgumentException>(() => XChaCha20Poly1305Aead.Seal(DraftKey, new byte[12], [], []));
    }
}
