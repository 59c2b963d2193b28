using System.Globalization;
using Hl7.Fhir.Model;
using SeSPHR.Crypto.Grants;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Client.Grants;

/// <summary>
/// The Consent a SeSPHR client writes for one grantee, in the codings the FhirServer's evaluator
/// understands (src/FhirServer/Features/Access/Consents/README.md): a permit to the grantee's
/// <c>fhirUser</c> with the approved key fingerprint, action <c>access</c>, one security label per
/// section, and the Consent's period. It also carries, in clear, the patient's signed grant
/// statement header, the openings of the grantee's own entries (and no one else's: the header names
/// no grantee), and the delegating public keys of the granted sections' earlier epochs, which a
/// grantee needs to check cfrags of old envelopes (the statement names only the current epochs).
/// Neither needs trusting the cloud: the header is signed, an opening must lead to its root, and a
/// substituted section key makes the cfrag check fail, because the patient's kfrag signature covers
/// the delegating key.
/// </summary>
public static class ConsentDocument
{
    // The codings of the FhirServer's ConsentCodings, repeated here: this suite talks to the server
    // only over HTTP, as every client does.
    public const string ScopeSystem = "http://terminology.hl7.org/CodeSystem/consentscope";
    public const string PatientPrivacy = "patient-privacy";
    public const string ActionSystem = "http://terminology.hl7.org/CodeSystem/consentaction";
    public const string Access = "access";
    public const string SectionSystem = "http://sesphr.org/fhir/CodeSystem/section";
    public const string ParticipationTypeSystem = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
    public const string InformationRecipient = "IRCP";
    public const string ApprovedKeyFingerprintUrl = "http://sesphr.org/fhir/StructureDefinition/approved-key-fingerprint";

    /// <summary>valueBase64Binary: the wire form of the patient's <see cref="SignedGrantStatement"/> (the header only).</summary>
    public const string GrantStatementUrl = "http://sesphr.org/fhir/StructureDefinition/grant-statement";

    /// <summary>valueBase64Binary: one <see cref="GrantOpening"/> of the Consent's own grantee, one per section it holds.</summary>
    public const string GrantOpeningUrl = "http://sesphr.org/fhir/StructureDefinition/grant-opening";

    /// <summary>
    /// valueBase64Binary: one role member's opening sealed to that member's Umbral key
    /// (<c>capsule (105) || ciphertext</c>), so the members a role Consent is shown to cannot read
    /// each other's entries; each member opens the ones it can and ignores the rest.
    /// </summary>
    public const string SealedGrantOpeningUrl = "http://sesphr.org/fhir/StructureDefinition/sealed-grant-opening";

    /// <summary>valueString <c>{section}/{epoch}/{33-byte compressed key as hex}</c>, one per granted (section, epoch).</summary>
    public const string SectionKeyUrl = "http://sesphr.org/fhir/StructureDefinition/section-key";

    public static Consent Build(GrantBook book, GranteeRecord grantee, IssuedStatement statement, Func<PhrSection, uint, PublicKey> sectionKey, bool active = true)
    {
        var consent = new Consent
        {
            Id = grantee.ConsentId,
            Status = active ? Consent.ConsentState.Active : Consent.ConsentState.Inactive,
            Scope = new CodeableConcept(ScopeSystem, PatientPrivacy),
            Category = [new CodeableConcept("http://loinc.org", "59284-0")],
            Patient = new ResourceReference(book.PatientFhirUser),
            DateTime = FhirInstant(grantee.Start),
            Provision = new Consent.provisionComponent
            {
                Type = Consent.ConsentProvisionType.Permit,
                Period = new Period { Start = FhirInstant(grantee.Start), End = grantee.End is { } end ? FhirInstant(end) : null },
                Actor =
                [
                    new Consent.provisionActorComponent
                    {
                        Extension = [new Extension(ApprovedKeyFingerprintUrl, new FhirString(grantee.FingerprintHex))],
                        Role = new CodeableConcept(ParticipationTypeSystem, InformationRecipient),
                        Reference = new ResourceReference(grantee.GranteeFhirUser),
                    },
                ],
                Action = [new CodeableConcept(ActionSystem, Access)],
                SecurityLabel = grantee.Sections.Select(section => new Coding(SectionSystem, section.ToCode())).ToList(),
            },
        };
        WriteGrants.AddTo(consent, grantee);
        consent.Extension.Add(new Extension(GrantStatementUrl, new Base64Binary(statement.SignedHeader.ToBytes())));
        foreach (var opening in statement.OpeningsFor(grantee.FingerprintHex))
        {
            consent.Extension.Add(new Extension(GrantOpeningUrl, new Base64Binary(opening.ToBytes())));
        }

        foreach (var section in grantee.Sections)
        {
            foreach (var epoch in KeyFragmentIssuer.AllEpochs(book.EpochOf(section)))
            {
                var key = Convert.ToHexStringLower(sectionKey(section, epoch).ToCompressedBytes());
                consent.Extension.Add(new Extension(SectionKeyUrl, new FhirString($"{section.ToCode()}/{epoch}/{key}")));
            }
        }

        return consent;
    }

    /// <summary>The signed statement a Consent carries, unverified; null when it carries none.</summary>
    public static SignedGrantStatement? ReadGrantStatement(Consent consent) =>
        consent.GetExtension(GrantStatementUrl)?.Value is Base64Binary { Value: { } bytes }
            ? SignedGrantStatement.FromBytes(bytes)
            : null;

    /// <summary>Adds each member's openings, each sealed to that member's Umbral key.</summary>
    public static void AddSealedOpenings(Consent consent, IEnumerable<GranteeRecord> members, IssuedStatement statement)
    {
        ArgumentNullException.ThrowIfNull(consent);
        foreach (var member in members)
        {
            var key = PublicKey.FromBytes(Convert.FromBase64String(member.UmbralPublicKey));
            foreach (var opening in statement.OpeningsFor(member.FingerprintHex))
            {
                var (capsule, ciphertext) = UmbralPre.Encrypt(key, opening.ToBytes());
                consent.Extension.Add(new Extension(SealedGrantOpeningUrl, new Base64Binary([.. capsule.ToBytes(), .. ciphertext])));
            }
        }
    }

    /// <summary>
    /// The openings a Consent holds for the holder of <paramref name="decryptionKey"/>: those in clear
    /// and the sealed ones it can open. Nothing here is verified (<see cref="GrantStatementHeader.Open"/> does that);
    /// malformed ones are skipped.
    /// </summary>
    public static IEnumerable<GrantOpening> ReadOpenings(Consent consent, SecretKey decryptionKey)
    {
        ArgumentNullException.ThrowIfNull(consent);
        foreach (var extension in consent.Extension)
        {
            if (extension.Value is not Base64Binary { Value: { } bytes })
            {
                continue;
            }

            var plain = extension.Url switch
            {
                GrantOpeningUrl => bytes,
                SealedGrantOpeningUrl => Unseal(bytes, decryptionKey),
                _ => null,
            };
            GrantOpening? opening = null;
            try
            {
                opening = plain is null ? null : GrantOpening.FromBytes(plain);
            }
            catch (GrantStatementFormatException)
            {
                // Not an opening: it could only have failed verification.
            }

            if (opening is not null)
            {
                yield return opening;
            }
        }
    }

    private static byte[]? Unseal(byte[] sealedOpening, SecretKey decryptionKey)
    {
        if (sealedOpening.Length <= Capsule.SerializedSize)
        {
            return null;
        }

        try
        {
            return UmbralPre.DecryptOriginal(decryptionKey, Capsule.FromBytes(sealedOpening.AsSpan(0, Capsule.SerializedSize)), sealedOpening.AsSpan(Capsule.SerializedSize));
        }
        catch (UmbralException)
        {
            return null;
        }
    }

    /// <summary>The (section, epoch) keys a Consent names; malformed entries are skipped (they could only fail a cfrag check).</summary>
    public static IEnumerable<(PhrSection Section, uint Epoch, PublicKey Key)> ReadSectionKeys(Consent consent)
    {
        foreach (var extension in consent.Extension.Where(e => e.Url == SectionKeyUrl))
        {
            var parts = (extension.Value as FhirString)?.Value?.Split('/');
            if (parts is not [var code, var epochText, var hex]
                || !PhrSectionCodes.TryParse(code, out var section)
                || !uint.TryParse(epochText, NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
            {
                continue;
            }

            PublicKey key;
            try
            {
                key = PublicKey.FromBytes(Convert.FromHexString(hex));
            }
            catch (Exception ex) when (ex is FormatException or UmbralException)
            {
                continue;
            }

            yield return (section, epoch, key);
        }
    }

    /// <summary>A FHIR instant to the second, in UTC.</summary>
    public static string FhirInstant(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
