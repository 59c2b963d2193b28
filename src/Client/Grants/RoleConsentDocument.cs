using Hl7.Fhir.Model;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Client.Grants;

/// <summary>
/// The Consent of a role grant: the same document as a grant to one grantee (<see cref="ConsentDocument"/>:
/// sections, period, read and write provisions, signed statement, earlier epochs' keys), with these actors: the role
/// itself (<c>actor.role</c> in the SeSPHR role system; R4 wants a reference, so it carries one with
/// a display only), which lets every user of the role past the FhirServer's policy check; and each
/// member the patient approved, by reference with their approved key fingerprint, which adds no
/// access but makes the Consent, and so the statement and the section keys, readable to them. Each
/// member's grant openings are sealed to that member's key, so members learn only their own entries.
/// </summary>
public static class RoleConsentDocument
{
    /// <summary>The FhirServer's ConsentCodings.RoleSystem.</summary>
    public const string RoleSystem = "http://sesphr.org/fhir/CodeSystem/role";

    public static Consent Build(GrantBook book, RoleGrant grant, IssuedStatement statement, Func<PhrSection, uint, PublicKey> sectionKey, bool active = true)
    {
        var shape = new GranteeRecord(grant.ConsentId, "", "", "", "", grant.Sections, grant.Start, grant.End) { WriteSections = grant.WriteSections };
        var consent = ConsentDocument.Build(book, shape, statement, sectionKey, active);
        var provision = consent.Provision ?? throw new InvalidOperationException("ConsentDocument.Build wrote no provision.");
        provision.Actor = Actors(grant);

        // With a write grant the root holds a read and a write provision (WriteGrants), each naming the same actors.
        foreach (var nested in provision.Provision)
        {
            nested.Actor = Actors(grant);
        }

        ConsentDocument.AddSealedOpenings(consent, grant.Members, statement);
        return consent;
    }

    private static List<Consent.provisionActorComponent> Actors(RoleGrant grant) =>
        [
            new Consent.provisionActorComponent
            {
                Role = new CodeableConcept(RoleSystem, grant.Role),
                Reference = new ResourceReference { Display = "every " + grant.Role },
            },
            .. grant.Members.Select(member => new Consent.provisionActorComponent
            {
                Extension = [new Extension(ConsentDocument.ApprovedKeyFingerprintUrl, new FhirString(member.FingerprintHex))],
                Role = new CodeableConcept(ConsentDocument.ParticipationTypeSystem, ConsentDocument.InformationRecipient),
                Reference = new ResourceReference(member.GranteeFhirUser),
            }),
        ];
}
