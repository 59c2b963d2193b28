using System.Collections.Frozen;
using Hl7.Fhir.Model;
using SeSPHR.Phr.Sections;

namespace SeSPHR.FhirServer.Features.Access.Consents;

/// <summary>
/// The codes a SeSPHR Consent is written in and the only ones its evaluator understands; see
/// <c>README.md</c> beside this file. A code outside these lists never widens access: in a permit it
/// matches nothing, in a deny it matches everything.
/// </summary>
public static class ConsentCodings
{
    /// <summary>Consent.scope: the Consent is an access-control list.</summary>
    public const string ScopeSystem = "http://terminology.hl7.org/CodeSystem/consentscope";
    public const string PatientPrivacy = "patient-privacy";

    /// <summary>Consent.provision.action: <c>access</c> reads; <c>collect</c> and <c>correct</c> write.</summary>
    public const string ActionSystem = "http://terminology.hl7.org/CodeSystem/consentaction";
    public const string Access = "access";
    public const string Collect = "collect";
    public const string Correct = "correct";

    /// <summary>Consent.provision.securityLabel: one coding per section, codes as <see cref="PhrSectionCodes"/>.</summary>
    public const string SectionSystem = "http://sesphr.org/fhir/CodeSystem/section";

    /// <summary>Consent.provision.class: resource type names; a class covers resources of that type only.</summary>
    public const string ResourceTypeSystem = "http://hl7.org/fhir/resource-types";

    /// <summary>Consent.provision.actor.role for a grant to every user of a role.</summary>
    public const string RoleSystem = "http://sesphr.org/fhir/CodeSystem/role";

    /// <summary>Standard codes accepted as roles where they denote exactly the users of one SeSPHR role.</summary>
    public const string V3RoleClassSystem = "http://terminology.hl7.org/CodeSystem/v3-RoleClass";
    public const string PractitionerRoleSystem = "http://terminology.hl7.org/CodeSystem/practitioner-role";

    /// <summary>
    /// The v3 ParticipationType system; its codes say how a referenced actor takes part
    /// (<c>IRCP</c>, information recipient, is what SeSPHR clients write), never who the users are.
    /// </summary>
    public const string V3ParticipationTypeSystem = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
    public const string InformationRecipient = "IRCP";

    /// <summary>
    /// Extension on Consent.provision.actor, <c>valueString</c>: the grantee's key fingerprint the
    /// patient approved, all 32 bytes as 64 hex digits (see <c>src/Crypto/Grants/README.md</c>).
    /// </summary>
    public const string ApprovedKeyFingerprintUrl = "http://sesphr.org/fhir/StructureDefinition/approved-key-fingerprint";

    /// <summary>The resource types a Consent actor reference may name: the types a <c>fhirUser</c> can be.</summary>
    public static IReadOnlySet<string> ActorTypes { get; } =
        new[] { "Patient", "Practitioner", "PractitionerRole", "RelatedPerson", "Organization" }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenDictionary<(string System, string Code), UserRole> Roles = new Dictionary<(string, string), UserRole>
    {
        [(RoleSystem, SrsRoles.Patient)] = UserRole.Patient,
        [(RoleSystem, SrsRoles.Practitioner)] = UserRole.Practitioner,
        [(RoleSystem, SrsRoles.RelatedPerson)] = UserRole.RelatedPerson,
        [(RoleSystem, SrsRoles.Insurer)] = UserRole.Insurer,
        [(RoleSystem, SrsRoles.Pharmacist)] = UserRole.Pharmacist,
        [(RoleSystem, SrsRoles.Researcher)] = UserRole.Researcher,
        [(RoleSystem, SrsRoles.Admin)] = UserRole.Admin,

        // RIM role classes: PAT is the patient, PRS (personal relationship) is what FHIR's
        // RelatedPerson models, PAYOR the party responsible for payment.
        [(V3RoleClassSystem, "PAT")] = UserRole.Patient,
        [(V3RoleClassSystem, "PRS")] = UserRole.RelatedPerson,
        [(V3RoleClassSystem, "PAYOR")] = UserRole.Insurer,

        // HL7 practitioner roles; "doctor" and "nurse" are left out on purpose: the SRS's
        // practitioner role holds both, so either would admit the other.
        [(PractitionerRoleSystem, "pharmacist")] = UserRole.Pharmacist,
        [(PractitionerRoleSystem, "researcher")] = UserRole.Researcher,
    }.ToFrozenDictionary();

    /// <summary>The role code of the SeSPHR role system.</summary>
    public static string ToCode(this UserRole role) => role switch
    {
        UserRole.Patient => SrsRoles.Patient,
        UserRole.Practitioner => SrsRoles.Practitioner,
        UserRole.RelatedPerson => SrsRoles.RelatedPerson,
        UserRole.Insurer => SrsRoles.Insurer,
        UserRole.Pharmacist => SrsRoles.Pharmacist,
        UserRole.Researcher => SrsRoles.Researcher,
        UserRole.Admin => SrsRoles.Admin,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Unknown role."),
    };

    /// <summary>A role concept in the SeSPHR role system, as a role grant carries it.</summary>
    public static CodeableConcept RoleConcept(UserRole role) => new(RoleSystem, role.ToCode());

    /// <summary>
    /// The SeSPHR role a concept denotes: every coding that names a role must name the same one.
    /// Null when no coding names a role or codings disagree.
    /// </summary>
    public static UserRole? RoleOf(CodeableConcept? concept)
    {
        UserRole? found = null;
        foreach (var coding in concept?.Coding ?? [])
        {
            if (coding.System is null || coding.Code is null || !Roles.TryGetValue((coding.System, coding.Code), out var role))
            {
                continue;
            }

            if (found is { } other && other != role)
            {
                return null;
            }

            found = role;
        }

        return found;
    }

    /// <summary>The section security label of a provision.</summary>
    public static Coding SectionLabel(PhrSection section) => new(SectionSystem, section.ToCode());

    /// <summary>The fingerprint extension carrying <paramref name="fingerprint"/>.</summary>
    public static Extension ApprovedKeyFingerprint(Crypto.Grants.KeyFingerprint fingerprint)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        return new Extension(ApprovedKeyFingerprintUrl, new FhirString(Convert.ToHexStringLower(fingerprint.ToBytes())));
    }
}
