using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using SeSPHR.Crypto.Primitives;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Crypto.Envelopes;

/// <summary>
/// One encrypted, signed section of a resource (format in FORMAT.md beside this file). Only the
/// section owner, or a grantee with re-encrypted capsule fragments, can read it; it opens only for
/// the resource type, logical id, section and epoch it was written for; and it opens only if the
/// expected writer signed exactly this context, capsule, ciphertext and bound-field hash, so
/// neither the cloud nor the proxy (who know the section's public key) can forge or move one.
/// </summary>
public static class SectionEnvelope
{
    /// <summary>The only format version this code reads and writes.</summary>
    public const byte FormatVersion = 1;

    /// <summary>Umbral (secp256k1) KEM, HKDF-SHA256, XChaCha20-Poly1305, ECDSA-secp256k1/SHA-256 writer signature.</summary>
    public const byte AlgorithmId = 1;

    public const int EnvelopeIdSize = 16;
    public const int BoundFieldsHashSize = 32;

    /// <summary>Domain tag of the writer's signature; no other SeSPHR signature uses it.</summary>
    internal static ReadOnlySpan<byte> SignatureDomain => "SeSPHR/envelope/v1"u8;

    /// <summary>HKDF info for the envelope's AEAD key, distinct from Umbral's own DEM key derivation.</summary>
    internal static ReadOnlySpan<byte> KeyLabel => "SeSPHR/envelope/v1/aead-key"u8;

    private const int NonceSize = XChaCha20Poly1305Aead.NonceSize;
    private const int TagSize = XChaCha20Poly1305Aead.TagSize;

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> to <paramref name="sectionPublicKey"/> for
    /// <paramref name="context"/> and signs it as <paramref name="writer"/>. Randomness is drawn in
    /// this order: envelope id (16), capsule r and u (32 each), nonce (24), signature entropy (32).
    /// </summary>
    public static byte[] Seal(
        EnvelopeContext context, PublicKey sectionPublicKey, ReadOnlySpan<byte> plaintext,
        ReadOnlySpan<byte> boundFieldsHash, Signer writer, IRandomSource? rng = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(sectionPublicKey);
        ArgumentNullException.ThrowIfNull(writer);
        CheckBoundFieldsHash(boundFieldsHash);
        rng ??= SystemRandomSource.Instance;

        var sectionCode = Encoding.ASCII.GetBytes(context.SectionCode);
        var ciphertextLength = plaintext.Length + TagSize;
        var layout = new Layout(sectionCode.Length, ciphertextLength);
        var envelope = new byte[layout.Total];
        var span = envelope.AsSpan();

        span[0] = FormatVersion;
        span[1] = AlgorithmId;
        span[2] = (byte)sectionCode.Length;
        sectionCode.CopyTo(span[3..]);
        BinaryPrimitives.WriteUInt32BigEndian(span.Slice(layout.Epoch, 4), context.Epoch);
        var envelopeId = span.Slice(layout.EnvelopeId, EnvelopeIdSize);
        rng.Fill(envelopeId);

        var (capsule, sharedSecret) = UmbralKem.Encapsulate(sectionPublicKey, rng);
        var capsuleBytes = capsule.ToBytes();
        capsuleBytes.CopyTo(span.Slice(layout.Capsule, Capsule.SerializedSize));

        var nonce = span.Slice(layout.Nonce, NonceSize);
        rng.Fill(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(span.Slice(layout.CiphertextLength, 4), (uint)ciphertextLength);

        var associatedData = AssociatedData(context, envelopeId, capsuleBytes);
        using (sharedSecret)
        {
            Span<byte> key = stackalloc byte[XChaCha20Poly1305Aead.KeySize];
            try
            {
                HkdfSha256.DeriveKey(sharedSecret.AsSpan(), [], KeyLabel, key);
                XChaCha20Poly1305Aead.Seal(key, nonce, plaintext, associatedData, span.Slice(layout.Ciphertext, ciphertextLength));
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }

        var message = SignedMessage(context, envelopeId, capsuleBytes, span.Slice(layout.Nonce, layout.SignedCiphertextLength), boundFieldsHash);
        writer.Sign(message, rng).ToBigEndianBytes().CopyTo(span.Slice(layout.Signature, Signature.Size));
        return envelope;
    }

    /// <summary>
    /// Verifies and decrypts. Before anything is returned: the format version, the section and
    /// epoch against <paramref name="expected"/>, the writer's signature (over the expected
    /// context, capsule, ciphertext hash and <paramref name="boundFieldsHash"/>) against
    /// <paramref name="writerKey"/>, and finally the AEAD tag.
    /// </summary>
    /// <exception cref="UnsupportedEnvelopeVersionException">Another format version or algorithm.</exception>
    /// <exception cref="MalformedEnvelopeException">Not a well-formed envelope.</exception>
    /// <exception cref="EnvelopeContextMismatchException">Another section or epoch.</exception>
    /// <exception cref="EnvelopeSignatureException">Altered, forged, moved to another resource, another writer, or bound fields changed.</exception>
    /// <exception cref="EnvelopeDecryptionException">The key material does not open it.</exception>
    /// <exception cref="UmbralException">A grantee's capsule fragments are invalid or too few.</exception>
    public static byte[] Open(
        ReadOnlySpan<byte> envelope, EnvelopeContext expected, ReadOnlySpan<byte> boundFieldsHash,
        PublicKey writerKey, EnvelopeRecipient recipient)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        var parsed = VerifyCore(envelope, expected, boundFieldsHash, writerKey);

        using var sharedSecret = recipient.Decapsulate(parsed.Capsule);
        var plaintext = new byte[parsed.Layout.CiphertextLengthValue - TagSize];
        Span<byte> key = stackalloc byte[XChaCha20Poly1305Aead.KeySize];
        try
        {
            HkdfSha256.DeriveKey(sharedSecret.AsSpan(), [], KeyLabel, key);
            var layout = parsed.Layout;
            var associatedData = AssociatedData(expected, envelope.Slice(layout.EnvelopeId, EnvelopeIdSize), envelope.Slice(layout.Capsule, Capsule.SerializedSize));
            if (!XChaCha20Poly1305Aead.TryOpen(
                    key, envelope.Slice(layout.Nonce, NonceSize), envelope.Slice(layout.Ciphertext, layout.CiphertextLengthValue), associatedData, plaintext))
            {
                throw new EnvelopeDecryptionException();
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        return plaintext;
    }

    /// <summary>
    /// Checks version, context and the writer's signature without decrypting (for a party that
    /// holds no key, such as a server checking that a write is signed by an allowed writer).
    /// </summary>
    public static void VerifySignature(ReadOnlySpan<byte> envelope, EnvelopeContext expected, ReadOnlySpan<byte> boundFieldsHash, PublicKey writerKey) =>
        VerifyCore(envelope, expected, boundFieldsHash, writerKey);

    /// <summary>
    /// The envelope's clear header: section, epoch, id and capsule (a grantee sends the capsule to
    /// the proxy for re-encryption). Nothing here is authenticated until <see cref="Open"/> or
    /// <see cref="VerifySignature"/> succeeds.
    /// </summary>
    public static EnvelopeHeader ReadHeader(ReadOnlySpan<byte> envelope)
    {
        var parsed = Parse(envelope);
        return new EnvelopeHeader(parsed.SectionCode, parsed.Epoch, envelope.Slice(parsed.Layout.EnvelopeId, EnvelopeIdSize).ToArray(), parsed.Capsule);
    }

    /// <summary>
    /// Section, epoch and capsule bytes, as a relay that only forwards the capsule needs them (the
    /// FhirServer sending it to the proxy): the envelope's layout is checked, the capsule is not.
    /// Checking it costs two scalar multiplications, and whoever uses the capsule checks it anyway:
    /// the proxy before it re-encrypts (a capsule that fails is refused), the reader before it opens.
    /// </summary>
    /// <exception cref="MalformedEnvelopeException">The envelope's layout is not this format's.</exception>
    public static RelayHeader ReadRelayHeader(ReadOnlySpan<byte> envelope)
    {
        var (layout, sectionCode, epoch) = ParseLayout(envelope);
        return new RelayHeader(sectionCode, epoch, envelope.Slice(layout.Capsule, Capsule.SerializedSize).ToArray());
    }

    private static Parsed VerifyCore(ReadOnlySpan<byte> envelope, EnvelopeContext expected, ReadOnlySpan<byte> boundFieldsHash, PublicKey writerKey)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(writerKey);
        CheckBoundFieldsHash(boundFieldsHash);
        var parsed = Parse(envelope);
        if (parsed.SectionCode != expected.SectionCode)
            throw new EnvelopeContextMismatchException("The envelope belongs to another section.");
        if (parsed.Epoch != expected.Epoch)
            throw new EnvelopeContextMismatchException("The envelope belongs to another key epoch.");

        var layout = parsed.Layout;
        var message = SignedMessage(
            expected,
            envelope.Slice(layout.EnvelopeId, EnvelopeIdSize),
            envelope.Slice(layout.Capsule, Capsule.SerializedSize),
            envelope.Slice(layout.Nonce, layout.SignedCiphertextLength),
            boundFieldsHash);
        var signature = Signature.FromBigEndianBytes(envelope.Slice(layout.Signature, Signature.Size));
        if (!signature.Verify(writerKey, message))
            throw new EnvelopeSignatureException();
        return parsed;
    }

    private static Parsed Parse(ReadOnlySpan<byte> envelope)
    {
        var (layout, sectionCode, epoch) = ParseLayout(envelope);
        Capsule capsule;
        try
        {
            capsule = Capsule.FromBytes(envelope.Slice(layout.Capsule, Capsule.SerializedSize));
        }
        catch (UmbralException ex)
        {
            throw new MalformedEnvelopeException("The envelope's capsule is invalid or altered.", ex);
        }

        return new Parsed(layout, sectionCode, epoch, capsule);
    }

    private static (Layout Layout, string SectionCode, uint Epoch) ParseLayout(ReadOnlySpan<byte> envelope)
    {
        if (envelope.Length < 2)
            throw new MalformedEnvelopeException("Envelope too short.");
        if (envelope[0] != FormatVersion || envelope[1] != AlgorithmId)
            throw new UnsupportedEnvelopeVersionException(envelope[0], envelope[1]);
        if (envelope.Length < 3)
            throw new MalformedEnvelopeException("Envelope too short.");
        int sectionLength = envelope[2];
        var minimum = new Layout(sectionLength, 0);
        if (sectionLength == 0 || sectionLength > EnvelopeContext.MaxSectionCodeLength || envelope.Length < minimum.Total)
            throw new MalformedEnvelopeException("Envelope too short or section code length invalid.");

        var sectionCode = Encoding.ASCII.GetString(envelope.Slice(3, sectionLength));
        if (!EnvelopeContext.IsValidSectionCode(sectionCode))
            throw new MalformedEnvelopeException("Invalid section code.");
        var ciphertextLength = BinaryPrimitives.ReadUInt32BigEndian(envelope.Slice(minimum.CiphertextLength, 4));
        if (ciphertextLength < TagSize || ciphertextLength > int.MaxValue - minimum.Total)
            throw new MalformedEnvelopeException("Invalid ciphertext length.");
        var layout = new Layout(sectionLength, (int)ciphertextLength);
        if (envelope.Length != layout.Total)
            throw new MalformedEnvelopeException("Envelope length does not match its ciphertext length.");
        return (layout, sectionCode, BinaryPrimitives.ReadUInt32BigEndian(envelope.Slice(layout.Epoch, 4)));
    }

    /// <summary>AAD = context fields, then the capsule, each length-prefixed.</summary>
    private static byte[] AssociatedData(EnvelopeContext context, ReadOnlySpan<byte> envelopeId, ReadOnlySpan<byte> capsuleBytes)
    {
        var writer = new EnvelopeWriter(256 + Capsule.SerializedSize);
        context.Encode(writer, FormatVersion, AlgorithmId, envelopeId);
        writer.WriteField(capsuleBytes);
        return writer.Written.ToArray();
    }

    /// <summary>Signed = domain tag, context fields, capsule, SHA-256(nonce || u32 length || ciphertext || tag), bound-field hash, each length-prefixed.</summary>
    private static byte[] SignedMessage(
        EnvelopeContext context, ReadOnlySpan<byte> envelopeId, ReadOnlySpan<byte> capsuleBytes,
        ReadOnlySpan<byte> nonceAndCiphertext, ReadOnlySpan<byte> boundFieldsHash)
    {
        var writer = new EnvelopeWriter(512 + Capsule.SerializedSize);
        writer.WriteField(SignatureDomain);
        context.Encode(writer, FormatVersion, AlgorithmId, envelopeId);
        writer.WriteField(capsuleBytes);
        Span<byte> ciphertextHash = stackalloc byte[Sha256.HashLength];
        Sha256.Hash(nonceAndCiphertext, ciphertextHash);
        writer.WriteField(ciphertextHash);
        writer.WriteField(boundFieldsHash);
        return writer.Written.ToArray();
    }

    private static void CheckBoundFieldsHash(ReadOnlySpan<byte> boundFieldsHash)
    {
        if (boundFieldsHash.Length != BoundFieldsHashSize)
            throw new ArgumentException("The bound-fields hash is 32 bytes (SHA-256).", nameof(boundFieldsHash));
    }

    private readonly record struct Parsed(Layout Layout, string SectionCode, uint Epoch, Capsule Capsule);

    /// <summary>Field offsets for a section code of a given length and a ciphertext (with tag) of a given length.</summary>
    private readonly record struct Layout(int SectionLength, int CiphertextLengthValue)
    {
        public int Epoch => 3 + SectionLength;

        public int EnvelopeId => Epoch + 4;

        public int Capsule => EnvelopeId + EnvelopeIdSize;

        public int Nonce => Capsule + Umbral.Capsule.SerializedSize;

        public int CiphertextLength => Nonce + NonceSize;

        public int Ciphertext => CiphertextLength + 4;

        public int Signature => Ciphertext + CiphertextLengthValue;

        public int Total => Signature + Umbral.Signature.Size;

        /// <summary>Length of the span the signature hashes: nonce, ciphertext length and ciphertext with tag, contiguous.</summary>
        public int SignedCiphertextLength => NonceSize + 4 + CiphertextLengthValue;
    }
}

/// <summary>
/// The clear header of an envelope, readable without keys. Its values are unauthenticated until
/// the envelope is opened or its signature verified.
/// </summary>
public sealed record EnvelopeHeader(string SectionCode, uint Epoch, byte[] EnvelopeId, Capsule Capsule);

/// <summary>
/// What a relay reads of an envelope to forward its capsule: section, epoch and the capsule's
/// bytes, none of it authenticated and the capsule not checked (<see cref="SectionEnvelope.ReadRelayHeader"/>).
/// </summary>
public sealed record RelayHeader(string SectionCode, uint Epoch, byte[] Capsule);
