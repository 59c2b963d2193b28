using Hl7.Fhir.Model;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Primitives;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Phr.Masking;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Phr.Envelopes;

/// <summary>The key a section is sealed to: its epoch and that epoch's public key.</summary>
public sealed record SectionKey(uint Epoch, PublicKey PublicKey);

/// <summary>
/// The client side of protected storage. <c>Seal</c> turns a resource into what the cloud
/// may hold: its clear part, carrying one signed envelope per section, each bound to the
/// resource's type, client-chosen id, section and epoch and to the hash of its bound clear fields.
/// <see cref="Open"/> verifies every envelope before it decrypts any, and merges the sections back.
/// </summary>
public static class SectionSealer
{
    /// <summary>The algorithm name written beside format-1 envelopes.</summary>
    public const string Algorithm = "sesphr-envelope-v1";

    public static Resource Seal(Resource resource, Func<PhrSection, SectionKey> keyFor, Signer writer, IRandomSource? randomness = null) =>
        Seal(resource, keyFor, writer, null, randomness);

    /// <summary>
    /// As <see cref="Seal(Resource, Func{PhrSection, SectionKey}, Signer, IRandomSource?)"/>, naming also the
    /// writer's Umbral public key in every envelope, so a server can check that the writer is the caller
    /// (their key fingerprint) and a reader that the patient's grant statement names them for writing.
    /// </summary>
    public static Resource Seal(Resource resource, Func<PhrSection, SectionKey> keyFor, Signer writer, PublicKey? writerUmbralKey, IRandomSource? randomness = null)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(keyFor);
        ArgumentNullException.ThrowIfNull(writer);
        if (string.IsNullOrEmpty(resource.Id))
        {
            throw new ArgumentException("A protected resource needs its client-chosen id before it is sealed: the envelope is bound to it.", nameof(resource));
        }

        var split = SectionSplitter.Split(resource);
        if (split.Payloads.Count == 0)
        {
            return split.Clear;
        }

        var clear = split.Clear as DomainResource
            ?? throw new ArgumentException("Only domain resources carry sealed sections.", nameof(resource));
        var boundHash = BoundFields.Hash(clear);
        var writerKey = writer.VerifyingKey.ToCompressedBytes();
        foreach (var payload in split.Payloads)
        {
            var key = keyFor(payload.Section);
            var context = new EnvelopeContext(resource.TypeName, resource.Id, payload.Section.ToCode(), key.Epoch);
            var envelope = SectionEnvelope.Seal(context, key.PublicKey, payload.Content, boundHash, writer, randomness);
            clear.Extension.Add(new EncryptedSectionExtension(payload.Section, key.Epoch, Algorithm, envelope, writerKey, [])
            {
                WriterUmbralKey = writerUmbralKey?.ToCompressedBytes(),
            }.ToExtension());
        }

        return clear;
    }

    /// <summary>
    /// Verifies and opens every sealed section of <paramref name="clear"/> and merges them back.
    /// <paramref name="isAllowedWriter"/> decides whether a writer key may write that section
    /// (the patient's own key, or a grantee the grant statement names for writing).
    /// </summary>
    /// <exception cref="EnvelopeException">an envelope is forged, altered, moved or does not open.</exception>
    public static Resource Open(
        Resource clear,
        Func<EncryptedSectionExtension, EnvelopeRecipient> recipientFor,
        Func<PhrSection, PublicKey, bool> isAllowedWriter)
    {
        ArgumentNullException.ThrowIfNull(clear);
        ArgumentNullException.ThrowIfNull(recipientFor);
        ArgumentNullException.ThrowIfNull(isAllowedWriter);
        if (clear is not DomainResource domain || clear.Id is null)
        {
            return clear;
        }

        var sealedSections = EncryptedSectionExtension.ReadAll(domain);
        if (sealedSections.Count == 0)
        {
            return clear;
        }

        var boundHash = BoundFields.Hash(clear);
        var payloads = new List<SectionPayload>();
        foreach (var sealedSection in sealedSections)
        {
            var writerKey = PublicKey.FromBytes(sealedSection.WriterKey);
            if (!isAllowedWriter(sealedSection.Section, writerKey))
            {
                // Signed by someone the patient did not allow to write this section: as good as forged.
                throw new EnvelopeSignatureException();
            }

            var context = new EnvelopeContext(clear.TypeName, clear.Id, sealedSection.Section.ToCode(), sealedSection.Epoch);
            var content = SectionEnvelope.Open(sealedSection.Envelope, context, boundHash, writerKey, recipientFor(sealedSection));
            payloads.Add(new SectionPayload(sealedSection.Section, clear.TypeName, clear.Id, content));
        }

        return SectionSplitter.Merge((Resource)clear.DeepCopy(), payloads);
    }
}
