using System.Text.Json.Nodes;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Crypto.Tests.Umbral;

/// <summary>
/// Live interoperability with the reference <c>@nucypher/umbral-pre</c> 0.10.0 running in Node:
/// whatever one side encrypts, delegates or re-encrypts, the other side verifies and decrypts.
/// </summary>
public sealed class UmbralInteropTests : IClassFixture<UmbralReferenceNode>, IDisposable
{
    private readonly UmbralReferenceNode _node;
    private readonly SeededRandomSource _rng = new(4242);
    private readonly SecretKey _alice;
    private readonly SecretKey _bob;
    private readonly SecretKey _signerKey;

    public UmbralInteropTests(UmbralReferenceNode node)
    {
        _node = node;
        _alice = SecretKey.Random(_rng);
        _bob = SecretKey.Random(_rng);
        _signerKey = SecretKey.Random(_rng);
    }

    public void Dispose()
    {
        _alice.Dispose();
        _bob.Dispose();
        _signerKey.Dispose();
    }

    [Theory]
    [InlineData(1, 1, 0)]
    [InlineData(2, 3, 1000)]
    [InlineData(3, 5, 70_000)]
    public void Given_csharp_encryption_and_kfrags_When_javascript_reencrypts_and_decrypts_Then_it_recovers_the_plaintext(int threshold, int shares, int size)
    {
        var plaintext = new byte[size];
        _rng.Fill(plaintext);
        var (capsule, ciphertext) = UmbralPre.Encrypt(_alice.PublicKey, plaintext, _rng);
        var kfrags = UmbralPre.GenerateKFrags(_alice, _bob.PublicKey, new Signer(_signerKey), threshold, shares, true, true, _rng);
        var chosen = kfrags.Skip(shares - threshold).ToArray();

        var response = _node.Call(new JsonObject
        {
            ["op"] = "open",
            ["capsule"] = Hex(capsule.ToBytes()),
            ["ciphertext"] = Hex(ciphertext),
            ["kfrags"] = new JsonArray([.. chosen.Select(k => (JsonNode)Hex(k.ToBytes()))]),
            ["alice_sk"] = SecretHex(_alice),
            ["bob_sk"] = SecretHex(_bob),
            ["alice_pk"] = Hex(_alice.PublicKey.ToCompressedBytes()),
            ["bob_pk"] = Hex(_bob.PublicKey.ToCompressedBytes()),
            ["signer_pk"] = Hex(_signerKey.PublicKey.ToCompressedBytes()),
        });

        Bytes(response["reencrypted"]!).AsSpan().SequenceEqual(plaintext).ShouldBeTrue();
        Bytes(response["original"]!).AsSpan().SequenceEqual(plaintext).ShouldBeTrue();

        // The reference's cfrags of our capsule verify and decrypt here too.
        var cfrags = response["cfrags"]!.AsArray()
            .Select(c => CapsuleFrag.FromBytes(Bytes(c!)).Verify(capsule, _signerKey.PublicKey, _alice.PublicKey, _bob.PublicKey))
            .ToArray();
        UmbralPre.DecryptReencrypted(_bob, _alice.PublicKey, capsule, cfrags, ciphertext).AsSpan().SequenceEqual(plaintext).ShouldBeTrue();
    }

    [Theory]
    [InlineData(1, 1, 0)]
    [InlineData(2, 3, 1000)]
    [InlineData(3, 5, 70_000)]
    public void Given_javascript_encryption_and_kfrags_When_csharp_reencrypts_and_decrypts_Then_both_sides_recover_the_plaintext(int threshold, int shares, int size)
    {
        var plaintext = new byte[size];
        _rng.Fill(plaintext);
        var message = "grant statement 7"u8.ToArray();

        var made = _node.Call(new JsonObject
        {
            ["op"] = "make",
            ["alice_sk"] = SecretHex(_alice),
            ["bob_pk"] = Hex(_bob.PublicKey.ToCompressedBytes()),
            ["signer_sk"] = SecretHex(_signerKey),
            ["threshold"] = threshold,
            ["shares"] = shares,
            ["sign_delegating_key"] = true,
            ["sign_receiving_key"] = true,
            ["plaintext"] = Hex(plaintext),
            ["message"] = Hex(message),
        });

        var capsule = Capsule.FromBytes(Bytes(made["capsule"]!));
        var ciphertext = Bytes(made["ciphertext"]!);
        Signature.FromBigEndianBytes(Bytes(made["signature"]!)).Verify(_signerKey.PublicKey, message).ShouldBeTrue();
        UmbralPre.DecryptOriginal(_alice, capsule, ciphertext).AsSpan().SequenceEqual(plaintext).ShouldBeTrue();

        var kfrags = made["kfrags"]!.AsArray()
            .Select(k => KeyFrag.FromBytes(Bytes(k!)).Verify(_signerKey.PublicKey, _alice.PublicKey, _bob.PublicKey))
            .ToArray();
        kfrags.Length.ShouldBe(shares);
        var cfrags = kfrags.Take(threshold).Select(k => UmbralPre.Reencrypt(capsule, k, _rng)).ToArray();
        UmbralPre.DecryptReencrypted(_bob, _alice.PublicKey, capsule, cfrags, ciphertext).AsSpan().SequenceEqual(plaintext).ShouldBeTrue();

        // Our cfrags of the reference's capsule, and our signature, are accepted by the reference.
        var ourSignature = new Signer(_signerKey).Sign(message, _rng);
        var checkedByReference = _node.Call(new JsonObject
        {
            ["op"] = "decrypt-cfrags",
            ["capsule"] = Hex(capsule.ToBytes()),
            ["ciphertext"] = Hex(ciphertext),
            ["cfrags"] = new JsonArray([.. cfrags.Select(c => (JsonNode)Hex(c.ToBytes()))]),
            ["bob_sk"] = SecretHex(_bob),
            ["alice_pk"] = Hex(_alice.PublicKey.ToCompressedBytes()),
            ["bob_pk"] = Hex(_bob.PublicKey.ToCompressedBytes()),
            ["signer_pk"] = Hex(_signerKey.PublicKey.ToCompressedBytes()),
            ["signature"] = Hex(ourSignature.ToBigEndianBytes()),
            ["message"] = Hex(message),
        });
        Bytes(checkedByReference["plaintext"]!).AsSpan().SequenceEqual(plaintext).ShouldBeTrue();
        checkedByReference["signature_valid"]!.GetValue<bool>().ShouldBeTrue();
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    private static byte[] Bytes(JsonNode node) => Convert.FromHexString(node.GetValue<string>());

    private static string SecretHex(SecretKey key)
    {
        using var bytes = key.ToBigEndianBytes();
        return Convert.ToHexStringLower(bytes.AsSpan());
    }
}
