using Hl7.Fhir.Model;
using SeSPHR.Crypto.Grants;
using SeSPHR.Crypto.Umbral;
using SeSPHR.FhirServer.Features.Access.Consents;
using SeSPHR.Phr.Sections;
using Provision = Hl7.Fhir.Model.Consent.provisionComponent;

namespace SeSPHR.FhirServer.Tests.Features.Access.Consents;

/// <summary>The people of the Consent tests: one patient whose record is read, and one user of each role.</summary>
internal static class People
{
    public const string Record = "Patient/pat";

    /// <summary>"Now" in every test: mid-day on 15 June 2026.</summary>
    public static readonly DateTimeOffset Now = new(2026, 6, 15, 12, 0, 0, TimeSpan.Zero);

    // Before the people: Make fills it. Each person's fingerprint is over real keys, so the envelopes
    // they seal carry the fingerprint their tokens do (the server checks an envelope's writer against it).
    private static readonly Dictionary<string, PersonKeys> KeysByUser = new(StringComparer.Ordinal);

    public static readonly Caller Patient = Make("u-pat", UserRole.Patient, "Patient/pat", 1);
    public static readonly Caller OtherPatient = Make("u-other", UserRole.Patient, "Patient/other", 2);
    public static readonly Caller Family = Make("u-fam", UserRole.RelatedPerson, "RelatedPerson/fam", 3);
    public static readonly Caller Doctor = Make("u-doc", UserRole.Practitioner, "Practitioner/doc", 4);
    public static readonly Caller Insurer = Make("u-ins", UserRole.Insurer, "Organization/ins", 5);
    public static readonly Caller Pharmacist = Make("u-pharm", UserRole.Pharmacist, "Practitioner/pharm", 6);
    public static readonly Caller Researcher = Make("u-res", UserRole.Researcher, "Practitioner/res", 7);
    public static readonly Caller Admin = Make("u-adm", UserRole.Admin, "Practitioner/adm", 8);

    /// <summary>A key nobody in these tests holds: what a key directory would substitute.</summary>
    public static readonly KeyFingerprint SubstitutedKey = Key(99);

    public static IReadOnlyDictionary<string, Caller> ByName { get; } = new Dictionary<string, Caller>
    {
        ["patient"] = Patient,
        ["other-patient"] = OtherPatient,
        ["family"] = Family,
        ["doctor"] = Doctor,
        ["insurer"] = Insurer,
        ["pharmacist"] = Pharmacist,
        ["researcher"] = Researcher,
        ["admin"] = Admin,
    };

    public static KeyFingerprint Key(byte seed) => KeyFingerprint.FromBytes(Enumerable.Range(0, KeyFingerprint.Size).Select(i => (byte)(seed * 31 + i)).ToArray());

    /// <summary>The two key pairs of one of these people (by SRS user id).</summary>
    public static PersonKeys KeysOf(string userId) => KeysByUser[userId];

    private static Caller Make(string userId, UserRole role, string fhirUser, byte seed)
    {
        var keys = new PersonKeys(
            SecretKey.FromBigEndianBytes(Enumerable.Range(0, 32).Select(i => (byte)(seed + i)).ToArray()),
            new Signer(SecretKey.FromBigEndianBytes(Enumerable.Range(0, 32).Select(i => (byte)(seed + 100 + i)).ToArray())));
        KeysByUser[userId] = keys;
        return new(userId, role, fhirUser, KeyFingerprint.Compute(keys.Umbral.PublicKey, keys.Signer.VerifyingKey));
    }
}

/// <summary>A test person's Umbral key and signing key: what their client seals envelopes with.</summary>
internal sealed record PersonKeys(SecretKey Umbral, Signer Signer);

/// <summary>Consents written the way a SeSPHR client writes them, and the odd ways others might.</summary>
internal static class ConsentBuilder
{
    public static Consent ConsentWith(params Provision[] provisions) => ConsentOf(People.Record, provisions);

    /// <summary>One provision becomes the root; several become exceptions of a root without a decision of its own.</summary>
    public static Consent ConsentOf(string patient, params Provision[] provisions) => new()
    {
        Id = Guid.NewGuid().ToString("N"),
        Status = Consent.ConsentState.Active,
        Scope = new CodeableConcept(ConsentCodings.ScopeSystem, ConsentCodings.PatientPrivacy),
        Category = [new CodeableConcept("http://loinc.org", "59284-0")],
        Patient = new ResourceReference(patient),
        DateTime = "2026-01-01T00:00:00Z",
        Provision = provisions.Length == 1 ? provisions[0] : new Provision { Provision = [.. provisions] },
    };

    public static Provision Permit(params Caller[] grantees) => WithActors(Consent.ConsentProvisionType.Permit, grantees);

    public static Provision Deny(params Caller[] grantees) => WithActors(Consent.ConsentProvisionType.Deny, grantees);

    public static Provision PermitRole(UserRole role) => WithRole(Consent.ConsentProvisionType.Permit, role);

    public static Provision DenyRole(UserRole role) => WithRole(Consent.ConsentProvisionType.Deny, role);

    /// <summary>The grantee's fhirUser as the reference, their key fingerprint approved, IRCP as the R4-required role.</summary>
    public static Consent.provisionActorComponent Actor(Caller grantee, KeyFingerprint? approved = null)
    {
        var actor = new Consent.provisionActorComponent
        {
            Role = new CodeableConcept(ConsentCodings.V3ParticipationTypeSystem, ConsentCodings.InformationRecipient),
            Reference = new ResourceReference(grantee.FhirUser),
        };
        actor.Extension.Add(ConsentCodings.ApprovedKeyFingerprint(approved ?? grantee.KeyFingerprint!));
        return actor;
    }

    /// <summary>A role grant: R4 wants a reference, so it carries one with a display only.</summary>
    public static Consent.provisionActorComponent RoleActor(UserRole role) => new()
    {
        Role = ConsentCodings.RoleConcept(role),
        Reference = new ResourceReference { Display = $"every {role.ToCode()}" },
    };

    public static Provision Sections(this Provision provision, params PhrSection[] sections)
    {
        provision.SecurityLabel.AddRange(sections.Select(ConsentCodings.SectionLabel));
        return provision;
    }

    public static Provision Actions(this Provision provision, params string[] codes)
    {
        provision.Action.AddRange(codes.Select(code => new CodeableConcept(ConsentCodings.ActionSystem, code)));
        return provision;
    }

    public static Provision Reads(this Provision provision) => provision.Actions(ConsentCodings.Access);

    public static Provision Classes(this Provision provision, params string[] resourceTypes)
    {
        provision.Class.AddRange(resourceTypes.Select(type => new Coding(ConsentCodings.ResourceTypeSystem, type)));
        return provision;
    }

    public static Provision During(this Provision provision, string? start, string? end)
    {
        provision.Period = new Period { Start = start, End = end };
        return provision;
    }

    public static Provision Except(this Provision provision, params Provision[] exceptions)
    {
        provision.Provision.AddRange(exceptions);
        return provision;
    }

    public static Provision Resources(this Provision provision, params string[] references)
    {
        provision.Data.AddRange(references.Select(reference => new Consent.provisionDataComponent
        {
            Meaning = Consent.ConsentDataMeaning.Instance,
            Reference = new ResourceReference(reference),
        }));
        return provision;
    }

    public static Consent With(this Consent consent, Action<Consent> change)
    {
        change(consent);
        return consent;
    }

    public static Provision With(this Provision provision, Action<Provision> change)
    {
        change(provision);
        return provision;
    }

    private static Provision WithActors(Consent.ConsentProvisionType type, Caller[] grantees) => new()
    {
        Type = type,
        Actor = [.. grantees.Select(grantee => Actor(grantee))],
    };

    private static Provision WithRole(Consent.ConsentProvisionType type, UserRole role) => new()
    {
        Type = type,
        Actor = [RoleActor(role)],
    };
}

/// <summary>Decisions in the matrix's notation: per section, in canonical order, <c>rw</c>, <c>r</c>, <c>w</c> or <c>-</c>.</summary>
internal static class Notation
{
    public static string Of(CallerAccess access) => string.Join(' ', PhrSectionCodes.All.Select(section =>
    {
        var read = access.Decide(section, AccessAction.Read) == ConsentDecision.Permit ? "r" : "";
        var write = access.Decide(section, AccessAction.Write) == ConsentDecision.Permit ? "w" : "";
        return read + write is { Length: > 0 } both ? both : "-";
    }));

    public static string Of(PatientConsents consents, Caller caller, DateTimeOffset? at = null) =>
        Of(consents.AccessFor(caller, at ?? People.Now));

    public static string Of(Caller caller, params Consent[] consents) =>
        Of(PatientConsents.Compile(People.Record, consents), caller);
}

/// <summary>Things a Consent can say that the evaluator does not understand, one at a time.</summary>
internal static class Oddities
{
    public static IReadOnlyList<string> All { get; } =
    [
        "unknown-section-code", "foreign-security-label", "unknown-action", "unknown-class", "class-without-section",
        "unknown-role", "doctor-role-code", "participation-type-only", "absolute-reference", "identifier-only",
        "group-reference", "end-before-start", "invalid-date", "purpose", "data-period", "content-code", "related-data",
        "modifier-extension", "malformed-fingerprint",
    ];

    /// <summary>Puts one thing the evaluator does not understand into a provision.</summary>
    public static Consent.provisionComponent Put(string oddity, Consent.provisionComponent provision)
    {
        switch (oddity)
        {
            case "unknown-section-code": provision.SecurityLabel.Add(new Coding(ConsentCodings.SectionSystem, "genomics")); break;
            case "foreign-security-label": provision.SecurityLabel.Add(new Coding("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "R")); break;
            case "unknown-action":
                provision.Action.Clear();
                provision.Action.Add(new CodeableConcept(ConsentCodings.ActionSystem, "disclose"));
                break;
            case "unknown-class": provision.Class.Add(new Coding(ConsentCodings.ResourceTypeSystem, "Genome")); break;
            case "class-without-section": provision.Class.Add(new Coding(ConsentCodings.ResourceTypeSystem, "Practitioner")); break;
            case "unknown-role": provision.Actor = [new Consent.provisionActorComponent { Role = new CodeableConcept("http://example.org/roles", "pharmacist") }]; break;
            case "doctor-role-code": provision.Actor = [new Consent.provisionActorComponent { Role = new CodeableConcept(ConsentCodings.PractitionerRoleSystem, "doctor") }]; break;
            case "participation-type-only": provision.Actor = [new Consent.provisionActorComponent { Role = new CodeableConcept(ConsentCodings.V3ParticipationTypeSystem, "IRCP") }]; break;
            case "absolute-reference": provision.Actor[0].Reference = new ResourceReference("https://fhir.example.org/" + provision.Actor[0].Reference.Reference); break;
            case "identifier-only": provision.Actor[0].Reference = new ResourceReference { Identifier = new Identifier("http://sesphr.org/fhir/sid/user", "u-doc") }; break;
            case "group-reference": provision.Actor[0].Reference = new ResourceReference("Group/doctors"); break;
            case "end-before-start": provision.Period = new Period { Start = "2026-06-20", End = "2026-06-10" }; break;
            case "invalid-date": provision.Period = new Period { Start = "15/06/2026" }; break;
            case "purpose": provision.Purpose.Add(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", "TREAT")); break;
            case "data-period": provision.DataPeriod = new Period { Start = "2025-01-01" }; break;
            case "content-code": provision.Code.Add(new CodeableConcept("http://loinc.org", "8867-4")); break;
            case "related-data":
                provision.Data.Add(new Consent.provisionDataComponent { Meaning = Consent.ConsentDataMeaning.Related, Reference = new ResourceReference("Encounter/e1") });
                break;
            case "modifier-extension": provision.ModifierExtension.Add(new Extension("http://example.org/unknown-modifier", new FhirBoolean(true))); break;
            case "malformed-fingerprint":
                provision.Actor[0].Extension.Clear();
                provision.Actor[0].Extension.Add(new Extension(ConsentCodings.ApprovedKeyFingerprintUrl, new FhirString("86d5 026f 0722 66d8")));
                break;
            default: throw new ArgumentOutOfRangeException(nameof(oddity), oddity, null);
        }

        return provision;
    }
}
