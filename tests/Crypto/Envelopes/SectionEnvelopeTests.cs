using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Primitives;
using SeSPHR.Crypto.Tests.Umbral;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Crypto.Tests.Envelopes;

public sealed class SectionEnvelopeTests : IDisposable
{
    private static readonly EnvelopeContext Context = new("Observation", "8f0c1d2e-3b4a-4c5d-9e6f-708192a3b4c5", "vitals", 3);

    private readonly SeededRandomSource _rng = new(31337);
    private readonly SectionKeys _patientKeys;
    private readonly SecretKey _patientSigningKey;
    private readonly SecretKey _doctor;
    private readonly SecretKey _mallory;
    private readonly byte[] _boundFieldsHash;
    private readonly byte[] _plaintext = "{\"valueQuantity\":{\"value\":72,\"unit\":\"beats/minute\"}}"u8.ToArray();

    public SectionEnvelopeTests()
    {
        var master = new byte[32];
        _rng.Fill(master);
        _patientKeys = SectionKeys.FromMasterSecret(master);
        _patientSigningKey = SecretKey.Random(_rng);
        _doctor = SecretKey.Random(_rng);
        _mallory = SecretKey.Random(_rng);
        _boundFieldsHash = Sha256.Hash("subject=Patient/p1|effective=2024-05-01|code=8867-4"u8);
    }

    private PublicKey WriterKey => _patientSigningKey.PublicKey;

    public void Dispose()
    {
        _patientKeys.Dispose();
        _patientSigningKey.Dispose();
        _doctor.Dispose();
        _mallory.Dispose();
    }

    private byte[] Seal(EnvelopeContext? context = null, byte[]? plaintext = null, SecretKey? signer = null)
    {
        context ??= Context;
        return SectionEnvelope.Seal(
            context, _patientKeys.PublicKey(context.SectionCode, context.Epoch), plaintext ?? _plaintext,
            _boundFieldsHash, new Signer(signer ?? _patientSigningKey), _rng);
    }

    private EnvelopeRecipient Owner(string section = "vitals", uint epoch = 3) => EnvelopeRecipient.Owner(_patientKeys.SecretKey(section, epoch));

    private EnvelopeRecipient Doctor(byte[] envelope, int threshold = 1, int shares = 1, string section = "vitals", uint epoch = 3)
    {
        using var sectionKey = _patientKeys.SecretKey(section, epoch);
        var kfrags = UmbralPre.GenerateKFrags(sectionKey, _doctor.PublicKey, new Signer(_patientSigningKey), threshold, shares, true, true, _rng);
        var capsule = SectionEnvelope.ReadHeader(envelope).Capsule;
        var cfrags = kfrags.Take(threshold).Select(k => CapsuleFrag.FromBytes(UmbralPre.Reencrypt(capsule, k, _rng).ToBytes()));
        return EnvelopeRecipient.Grantee(_doctor, sectionKey.PublicKey, WriterKey, cfrags);
    }

    [Fact]
    public void Given_a_sealed_section_When_the_owner_opens_it_Then_the_plaintext_returns()
    {
        var envelope = Seal();

        SectionEnvelope.Open(envelope, Context, _boundFieldsHash, WriterKey, Owner()).ShouldBe(_plaintext);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    public void Given_a_grantee_with_reencrypted_cfrags_When_opening_Then_the_plaintext_returns(int threshold, int shares)
    {
        var envelope = Seal();

        SectionEnvelope.Open(envelope, Context, _boundFieldsHash, WriterKey, Doctor(envelope, threshold, shares)).ShouldBe(_plaintext);
    }

    [Fact]
    public void Given_cfrags_the_grantee_verified_itself_When_opening_Then_the_plaintext_returns()
    {
        var envelope = Seal();
        using var sectionKey = _patientKeys.SecretKey("vitals", 3);
        var capsule = SectionEnvelope.ReadHeader(envelope).Capsule;
        var kfrags = UmbralPre.GenerateKFrags(sectionKey, _doctor.PublicKey, new Signer(_patientSigningKey), 2, 3, true, true, _rng);
        var verified = kfrags.Skip(1).Select(k => UmbralPre.Reencrypt(capsule, k, _rng).CapsuleFrag.Verify(capsule, WriterKey, sectionKey.PublicKey, _doctor.PublicKey));

        var recipient = EnvelopeRecipient.Grantee(_doctor, sectionKey.PublicKey, verified);

        SectionEnvelope.Open(envelope, Context, _boundFieldsHash, WriterKey, recipient).ShouldBe(_plaintext);
    }

    [Fact]
    public void Given_an_envelope_When_reading_its_header_Then_section_epoch_id_and_capsule_are_visible()
    {
        var envelope = Seal();

        var header = SectionEnvelope.ReadHeader(envelope);

        header.SectionCode.ShouldBe("vitals");
        header.Epoch.ShouldBe(3u);
        header.EnvelopeId.Length.ShouldBe(SectionEnvelope.EnvelopeIdSize);
        envelope[0].ShouldBe(SectionEnvelope.FormatVersion);
        envelope[1].ShouldBe(SectionEnvelope.AlgorithmId);
    }

    [Fact]
    public void Given_an_envelope_When_a_relay_reads_it_Then_it_gets_the_headers_section_epoch_and_capsule_bytes_and_a_broken_layout_is_refused()
    {
        var envelope = Seal();

        var relayed = SectionEnvelope.ReadRelayHeader(envelope);

        var header = SectionEnvelope.ReadHeader(envelope);
        (relayed.SectionCode, relayed.Epoch).ShouldBe((header.SectionCode, header.Epoch));
        relayed.Capsule.ShouldBe(header.Capsule.ToBytes());
        Should.Throw<MalformedEnvelopeException>(() => SectionEnvelope.ReadRelayHeader(envelope.AsSpan(0, envelope.Length - 1)));
        Should.Throw<MalformedEnvelopeException>(() => SectionEnvelope.ReadRelayHeader([.. envelope, 0]));
        Should.Throw<MalformedEnvelopeException>(() => SectionEnvelope.ReadRelayHeader(envelope.AsSpan(0, 40)));
    }

    [Fact]
    public void Given_an_envelope_When_moved_to_another_resource_Then_opening_fails()
    {
        var envelope = Seal();

        Should.Throw<EnvelopeSignatureException>(() =>
            SectionEnvelope.Open(envelope, new EnvelopeContext("Observation", "other-id", "vitals", 3), _boundFieldsHash, WriterKey, Owner()));
        Should.Throw<EnvelopeSignatureException>(() =>
            SectionEnvelope.Open(envelope, new EnvelopeContext("Condition", Context.LogicalId, "vitals", 3), _boundFieldsHash, WriterKey, Owner()));
    }

    [Fact]
    public void Given_an_envelope_When_presented_as_another_section_or_epoch_Then_opening_fails()
    {
        var envelope = Seal();

        Should.Throw<EnvelopeContextMismatchException>(() =>
            SectionEnvelope.Open(envelope, new EnvelopeContext("Observation", Context.LogicalId, "medical", 3), _boundFieldsHash, WriterKey, Owner("medical")));
        Should.Throw<EnvelopeContextMismatchException>(() =>
            SectionEnvelope.Open(envelope, new EnvelopeContext("Observation", Context.LogicalId, "vitals", 4), _boundFieldsHash, WriterKey, Owner("vitals", 4)));
    }

    [Fact]
    public void Given_an_envelope_whose_header_is_rewritten_to_another_epoch_When_opening_there_Then_the_signature_fails()
    {
        var envelope = Seal();
        var rewritten = (byte[])envelope.Clone();
        rewritten[3 + "vitals".Length + 3] = 4; // epoch 3 -> 4 (big-endian, last byte)

        Should.Throw<EnvelopeSignatureException>(() =>
            SectionEnvelope.Open(rewritten, new EnvelopeContext("Observation", Context.LogicalId, "vitals", 4), _boundFieldsHash, WriterKey, Owner("vitals", 4)));
    }

    [Fact]
    public void Given_altered_bound_fields_When_opening_Then_the_signature_fails()
    {
        var envelope = Seal();
        var altered = Sha256.Hash("subject=Patient/p2|effective=2024-05-01|code=8867-4"u8);

        Should.Throw<EnvelopeSignatureException>(() => SectionEnvelope.Open(envelope, Context, altered, WriterKey, Owner()));
        Should.Throw<EnvelopeSignatureException>(() => SectionEnvelope.VerifySignature(envelope, Context, altered, WriterKey));
    }

    [Fact]
    public void Given_an_envelope_encrypted_correctly_but_signed_by_someone_else_When_opening_Then_it_is_refused()
    {
        // Mallory knows the section's public key (it is public) and encrypts validly, but cannot sign as the writer.
        var forged = Seal(signer: _mallory);

        Should.Throw<EnvelopeSignatureException>(() => SectionEnvelope.Open(forged, Context, _boundFieldsHash, WriterKey, Owner()));
        SectionEnvelope.Open(forged, Context, _boundFieldsHash, _mallory.PublicKey, Owner()).ShouldBe(_plaintext, "it is only the writer check that refuses it");
    }

    [Fact]
    public void Given_an_envelope_When_any_bit_is_flipped_Then_opening_fails_with_a_typed_error()
    {
        var envelope = Seal(plaintext: "short"u8.ToArray());
        using var sectionKey = _patientKeys.SecretKey("vitals", 3);
        var owner = EnvelopeRecipient.Owner(sectionKey);

        for (var bit = 0; bit < envelope.Length * 8; bit++)
        {
            var tampered = (byte[])envelope.Clone();
            tampered[bit / 8] ^= (byte)(1 << (bit % 8));

            Should.Throw<EnvelopeException>(() => SectionEnvelope.Open(tampered, Context, _boundFieldsHash, WriterKey, owner), $"bit {bit}");
        }
    }

    [Theory]
    [InlineData(0, 2, 1)]
    [InlineData(0, 0, 1)]
    [InlineData(1, 1, 2)]
    public void Given_an_unknown_format_version_or_algorithm_When_opening_Then_the_version_error_names_it(int index, byte value, byte otherValue)
    {
        var envelope = Seal();
        envelope[index] = value;
        envelope[1 - index] = index == 0 ? SectionEnvelope.AlgorithmId : SectionEnvelope.FormatVersion;
        if (index == 1)
            envelope[1] = otherValue;

        var error = Should.Throw<UnsupportedEnvelopeVersionException>(() => SectionEnvelope.Open(envelope, Context, _boundFieldsHash, WriterKey, Owner()));
        error.FormatVersion.ShouldBe(envelope[0]);
        error.AlgorithmId.ShouldBe(envelope[1]);
    }

    [Fact]
    public void Given_truncated_or_extended_bytes_When_opening_Then_the_envelope_is_malformed()
    {
        var envelope = Seal();

        Should.Throw<MalformedEnvelopeException>(() => SectionEnvelope.Open(envelope.AsSpan(0, envelope.Length - 1), Context, _boundFieldsHash, WriterKey, Owner()));
        Should.Throw<MalformedEnvelopeException>(() => SectionEnvelope.Open([.. envelope, 0], Context, _boundFieldsHash, WriterKey, Owner()));
        Should.Throw<MalformedEnvelopeException>(() => SectionEnvelope.Open(envelope.AsSpan(0, 40), Context, _boundFieldsHash, WriterKey, Owner()));
    }

    [Fact]
    public void Given_the_key_of_another_epoch_When_the_owner_opens_Then_decryption_fails()
    {
        var envelope = Seal();

        Should.Throw<EnvelopeDecryptionException>(() => SectionEnvelope.Open(envelope, Context, _boundFieldsHash, WriterKey, Owner("vitals", 2)));
    }

    [Fact]
    public void Given_cfrags_made_for_another_grantee_When_opening_Then_they_are_rejected()
    {
        var envelope = Seal();
        using var sectionKey = _patientKeys.SecretKey("vitals", 3);
        var kfrag = UmbralPre.GenerateKFrags(sectionKey, _mallory.PublicKey, new Signer(_patientSigningKey), 1, 1, true, true, _rng)[0];
        var cfrag = UmbralPre.Reencrypt(SectionEnvelope.ReadHeader(envelope).Capsule, kfrag, _rng).CapsuleFrag;

        Should.Throw<CapsuleFragVerificationException>(() => SectionEnvelope.Open(
            envelope, Context, _boundFieldsHash, WriterKey, EnvelopeRecipient.Grantee(_doctor, sectionKey.PublicKey, WriterKey, [cfrag])));
    }

    [Fact]
    public void Given_a_seeded_random_source_When_sealing_twice_Then_the_bytes_are_identical_and_randomness_is_bounded()
    {
        var a = SectionEnvelope.Seal(Context, _patientKeys.PublicKey("vitals", 3), _plaintext, _boundFieldsHash, new Signer(_patientSigningKey), new SeededRandomSource(9));
        var b = SectionEnvelope.Seal(Context, _patientKeys.PublicKey("vitals", 3), _plaintext, _boundFieldsHash, new Signer(_patientSigningKey), new SeededRandomSource(9));
        var c = SectionEnvelope.Seal(Context, _patientKeys.PublicKey("vitals", 3), _plaintext, _boundFieldsHash, new Signer(_patientSigningKey), new SeededRandomSource(10));

        a.ShouldBe(b);
        a.ShouldNotBe(c);
        a.Length.ShouldBe(3 + 6 + 4 + 16 + Capsule.SerializedSize + 24 + 4 + _plaintext.Length + 16 + Signature.Size);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2 << 20)]
    public void Given_plaintexts_of_any_size_When_sealing_and_opening_Then_they_round_trip(int size)
    {
        var plaintext = new byte[size];
        _rng.Fill(plaintext);
        var envelope = Seal(plaintext: plaintext);

        SectionEnvelope.Open(envelope, Context, _boundFieldsHash, WriterKey, Owner()).AsSpan().SequenceEqual(plaintext).ShouldBeTrue();
    }

    [Fact]
    public void Given_invalid_context_values_When_building_a_context_Then_they_are_refused()
    {
        Should.Throw<ArgumentException>(() => new EnvelopeContext("Observation", "id", "Vitals", 1));
        Should.Throw<ArgumentException>(() => new EnvelopeContext("Observation", "id/../x", "vitals", 1));
        Should.Throw<ArgumentException>(() => new EnvelopeContext("", "id", "vitals", 1));
        Should.Throw<ArgumentException>(() => SectionEnvelope.Seal(Context, _patientKeys.PublicKey("vitals", 3), _plaintext, new byte[31], new Signer(_patientSigningKey)));
    }
}
