using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using SeSPHR.Crypto.Grants;
using SeSPHR.FhirServer.Features.Access.Consents;
using static SeSPHR.Phr.Sections.PhrSection;

namespace SeSPHR.FhirServer.Tests.Features.Access.Consents;

/// <summary>The example Consent of src/FhirServer/Features/Access/Consents/README.md, as JSON on the wire.</summary>
public sealed class ConsentReadmeExampleTests
{
    // Copied verbatim from the README.
    private const string Example = """
        {
          "resourceType": "Consent",
          "id": "grant-doc",
          "status": "active",
          "scope": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy" }] },
          "category": [{ "coding": [{ "system": "http://loinc.org", "code": "59284-0" }] }],
          "patient": { "reference": "Patient/pat" },
          "dateTime": "2026-06-01T09:00:00Z",
          "provision": {
            "type": "permit",
            "period": { "start": "2026-06-01", "end": "2026-12-31" },
            "actor": [{
              "extension": [{
                "url": "http://sesphr.org/fhir/StructureDefinition/approved-key-fingerprint",
                "valueString": "86d5026f072266d8e222b28958d1a96d0c3b5f4e2a1978d6e5f4c3b2a1908f7e"
              }],
              "role": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP" }] },
              "reference": { "reference": "Practitioner/doc" }
            }],
            "action": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/consentaction", "code": "access" }] }],
            "securityLabel": [
              { "system": "http://sesphr.org/fhir/CodeSystem/section", "code": "medical" },
              { "system": "http://sesphr.org/fhir/CodeSystem/section", "code": "vitals" }
            ],
            "provision": [{
              "type": "deny",
              "class": [{ "system": "http://hl7.org/fhir/resource-types", "code": "DocumentReference" }]
            }]
          }
        }
        """;

    private static readonly Caller Doctor = new(
        "u-doc",
        UserRole.Practitioner,
        "Practitioner/doc",
        KeyFingerprint.FromBytes(Convert.FromHexString("86d5026f072266d8e222b28958d1a96d0c3b5f4e2a1978d6e5f4c3b2a1908f7e")));

    [Fact]
    public void Given_the_readme_example_When_parsed_validated_and_evaluated_Then_the_doctor_reads_vitals_and_medical_but_documents()
    {
        var consent = new FhirJsonDeserializer().Deserialize<Consent>(Example);

        ConsentValidator.Validate(consent, "Patient/pat").ShouldBeEmpty();
        var access = PatientConsents.Compile("Patient/pat", [consent]).AccessFor(Doctor, People.Now);
        access.Decide(Vitals, AccessAction.Read).ShouldBe(ConsentDecision.Permit);
        access.Decide(Medical, AccessAction.Read).ShouldBe(ConsentDecision.Deny);
        access.Decide(Medical, AccessAction.Read, "Condition").ShouldBe(ConsentDecision.Permit);
        access.Decide(Medical, AccessAction.Read, "DocumentReference").ShouldBe(ConsentDecision.Deny);
        access.Decide(Vitals, AccessAction.Write).ShouldBe(ConsentDecision.Deny);
        access.Decide(Personal, AccessAction.Read).ShouldBe(ConsentDecision.Deny);
        access.MaySeePatient.ShouldBeTrue();

        var grants = ConsentGrants.Of(consent);
        grants.Select(g => (g.Section, g.Actions, g.ResourceTypes?.Contains("DocumentReference"), g.Start, g.End)).ShouldBe(
        [
            (Medical, GrantActions.Read, false, new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero)),
            (Vitals, GrantActions.Read, (bool?)null, new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero)),
        ]);
    }
}
