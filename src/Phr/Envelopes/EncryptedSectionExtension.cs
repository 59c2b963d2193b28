using Hl7.Fhir.Model;
using SeSPHR.Crypto.Grants;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Phr.Envelopes;

/// <summary>
/// The extension that carries one sealed section on the clear part of a resource (DESIGN.md §4),
/// modelled here so the crypto layer can plug in without touching the section policy. It holds
/// only public material: the section code, the key epoch, the algorithm id, the envelope bytes
/// (capsule, ciphertext and the writer's signature, as <c>src/Crypto/Envelopes/FORMAT.md</c> lays
/// them out), the writer's signing public key (33 bytes, compressed) the signature verifies
/// against, the writer's Umbral public key (33 bytes; with the signing key it gives the writer's
/// key fingerprint, which a server compares with the caller's and a reader with the patient's grant
/// statement), on an envelope a grantee wrote the proof of its write grant in that section (the
/// patient's signed statement header with the opening of that one entry), and, on reads, the
/// re-encryption fragments (cfrags) for the requester. Nothing here needs a key.
/// </summary>
/// <remarks>
/// Shape: <c>extension[url=EncryptedSectionExtension.Url]</c> with sub-extensions <c>section</c>
/// (code), <c>epoch</c> (unsignedInt), <c>algorithm</c> (string), <c>envelope</c> (base64Binary),
/// <c>writer</c> (base64Binary), at most one <c>writer-umbral-key</c> (base64Binary), at most one
/// <c>write-grant</c> (base64Binary) and zero or more <c>cfrag</c> (base64Binary). The epoch is the
/// crypto layer's uint; FHIR's unsignedInt stops at 2^31 - 1, so larger epochs are refused.
/// </remarks>
public sealed record EncryptedSectionExtension(
    PhrSection Section,
    uint Epoch,
    string Algorithm,
    byte[] Envelope,
    byte[] WriterKey,
    IReadOnlyList<byte[]> CapsuleFragments)
{
    public const string Url = "http://sesphr.org/fhir/StructureDefinition/encrypted-section";
    public const string SectionUrl = "section";
    public const string EpochUrl = "epoch";
    public const string AlgorithmUrl = "algorithm";
    public const string EnvelopeUrl = "envelope";
    public const string WriterUrl = "writer";
    public const string CapsuleFragmentUrl = "cfrag";
    public const string WriterUmbralKeyUrl = "writer-umbral-key";
    public const string WriteGrantUrl = "write-grant";

    /// <summary>
    /// The writer's Umbral (decryption) public key, compressed; null on envelopes sealed without it.
    /// The signature does not cover it and need not: a wrong key only yields a fingerprint nobody has.
    /// </summary>
    public byte[]? WriterUmbralKey { get; init; }

    /// <summary>
    /// A grantee writer's proof of its write grant in this section (<c>GrantEntryProof</c> wire
    /// form); null on the patient's own envelopes. Self-authenticating (the patient signed it), so the
    /// envelope's signature need not cover it; it travels with the envelope, so it is withheld with it.
    /// </summary>
    public byte[]? WriteGrant { get; init; }

    /// <summary>The writer's key fingerprint over (Umbral key, signing key); null without an Umbral key or with a malformed key.</summary>
    public KeyFingerprint? WriterFingerprint()
    {
        if (WriterUmbralKey is null)
        {
            return null;
        }

        try
        {
            return KeyFingerprint.Compute(PublicKey.FromBytes(WriterUmbralKey), PublicKey.FromBytes(WriterKey));
        }
        catch (UmbralException)
        {
            return null;
        }
    }

    public static bool IsEncryptedSection(Extension extension)
    {
        ArgumentNullException.ThrowIfNull(extension);
        return extension.Url == Url;
    }

    /// <summary>The section code of an encrypted-section extension, or null when it has none.</summary>
    public static string? SectionCodeOf(Extension extension)
    {
        ArgumentNullException.ThrowIfNull(extension);
        return (extension.GetExtension(SectionUrl)?.Value as Code)?.Value;
    }

    public Extension ToExtension()
    {
        var extension = new Extension { Url = Url };
        extension.Extension.Add(new Extension(SectionUrl, new Code(Section.ToCode())));
        var epoch = Epoch <= int.MaxValue
            ? (int)Epoch
            : throw new InvalidOperationException($"Epoch {Epoch} does not fit a FHIR unsignedInt.");
        extension.Extension.Add(new Extension(EpochUrl, new UnsignedInt(epoch)));
        extension.Extension.Add(new Extension(AlgorithmUrl, new FhirString(Algorithm)));
        extension.Extension.Add(new Extension(EnvelopeUrl, new Base64Binary(Envelope)));
        extension.Extension.Add(new Extension(WriterUrl, new Base64Binary(WriterKey)));
        if (WriterUmbralKey is not null)
        {
            extension.Extension.Add(new Extension(WriterUmbralKeyUrl, new Base64Binary(WriterUmbralKey)));
        }

        if (WriteGrant is not null)
        {
            extension.Extension.Add(new Extension(WriteGrantUrl, new Base64Binary(WriteGrant)));
        }

        foreach (var fragment in CapsuleFragments)
        {
            extension.Extension.Add(new Extension(CapsuleFragmentUrl, new Base64Binary(fragment)));
        }

        return extension;
    }

    /// <summary>Reads the extension back; throws <see cref="FormatException"/> when a part is missing or mistyped.</summary>
    public static EncryptedSectionExtension FromExtension(Extension extension)
    {
        ArgumentNullException.ThrowIfNull(extension);
        if (!IsEncryptedSection(extension))
        {
            throw new FormatException($"Not an encrypted-section extension: {extension.Url}.");
        }

        var epoch = Required(Single<UnsignedInt>(extension, EpochUrl).Value, EpochUrl);
        var umbralKeys = extension.Extension.Where(part => part.Url == WriterUmbralKeyUrl).ToList();
        var writerUmbralKey = umbralKeys switch
        {
            [] => null,
            [{ Value: Base64Binary { Value: { } bytes } }] => bytes,
            _ => throw new FormatException($"The encrypted-section extension has at most one '{WriterUmbralKeyUrl}' of type Base64Binary."),
        };
        var writeGrant = extension.Extension.Where(part => part.Url == WriteGrantUrl).ToList() switch
        {
            [] => null,
            [{ Value: Base64Binary { Value: { } bytes } }] => bytes,
            _ => throw new FormatException($"The encrypted-section extension has at most one '{WriteGrantUrl}' of type Base64Binary."),
        };
        return new EncryptedSectionExtension(
            PhrSectionCodes.Parse(Required(Single<Code>(extension, SectionUrl).Value, SectionUrl)),
            epoch >= 0 ? (uint)epoch : throw new FormatException("The epoch is negative."),
            Required(Single<FhirString>(extension, AlgorithmUrl).Value, AlgorithmUrl),
            Required(Single<Base64Binary>(extension, EnvelopeUrl).Value, EnvelopeUrl),
            Required(Single<Base64Binary>(extension, WriterUrl).Value, WriterUrl),
            extension.Extension.Where(part => part.Url == CapsuleFragmentUrl)
                .Select(part => Required((part.Value as Base64Binary)?.Value, CapsuleFragmentUrl))
                .ToList())
        {
            WriterUmbralKey = writerUmbralKey,
            WriteGrant = writeGrant,
        };
    }

    /// <summary>All encrypted-section extensions of a clear part, in order.</summary>
    public static IReadOnlyList<EncryptedSectionExtension> ReadAll(DomainResource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return resource.Extension.Where(IsEncryptedSection).Select(FromExtension).ToList();
    }

    private static T Required<T>(T? value, string url)
        where T : class =>
        value ?? throw new FormatException($"The encrypted-section extension's '{url}' has no value.");

    private static int Required(int? value, string url) =>
        value ?? throw new FormatException($"The encrypted-section extension's '{url}' has no value.");

    private static T Single<T>(Extension extension, string url)
        where T : DataType
    {
        var parts = extension.Extension.Where(part => part.Url == url).ToList();
        return parts is [{ Value: T value }]
            ? value
            : throw new FormatException($"The encrypted-section extension needs exactly one '{url}' of type {typeof(T).Name}.");
    }
}
