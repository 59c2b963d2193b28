using System.Globalization;
using Hl7.Fhir.Model;
using SeSPHR.Crypto.Grants;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Phr.Sections;

namespace SeSPHR.SystemTests.Driver.Grants;

/// <summary>
/// The Consent a SeSPHR client writes for one grantee, in the codings the FhirServer's evaluator
/// understands (src/FhirServer/Features/Access/Consents/README.md): a permit to the grantee's
/// <c>fhirUser</c> with the approved key fingerprint, action <c>access</c>, one security label per
/// section, and the Consent's period. It also carries, in clear, the patient's signed grant
/// statement and the delegating public keys of the granted sections' earlier epochs, which a
/// grantee needs to check cfrags of old envelopes (the statement names only the current epochs).
/// Neither needs trusting the cloud: the statement is signed, and a substituted section key makes the
/// cfrag check fail, because the patient's kfrag signature covers the delegating key.
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

    /// <summary>valueBase64Binary: the wire form of the patient's <see cref="SignedGrantStatement"/>.</summary>
    public const string GrantStatementUrl = "http://sesphr.org/fhir/StructureDefinition/grant-statement";

    /// <summary>valueString <c>{section}/{epoch}/{33-byte compressed key as hex}</c>, one per granted (section, epoch).</summary>
    public const string SectionKeyUrl = "http://sesphr.org/fhir/StructureDefinition/section-key";

    public static Consent Build(GrantBook book, GranteeRecord grantee, SignedGrantStatement statement, Func<PhrSection, uint, PublicKey> sectionKey, bool active = true)
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
        consent.Extension.Add(new Extension(GrantStatementUrl, new Base64Binary(statement.ToBytes())));
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
