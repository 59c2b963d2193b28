using Hl7.Fhir.Model;
using SeSPHR.Phr.Sections;
using SeSPHR.Client.Fhir;
using SeSPHR.Client.Records;

namespace SeSPHR.SystemTests.Scenarios.Support;

/// <summary>
/// One resource per section of a patient's record, each carrying a value planted for the test (a
/// string that occurs nowhere else), so a test can tell a decrypted section from a withheld one and
/// spot a protected value that leaked in clear.
/// </summary>
public sealed class PlantedRecord
{
    private PlantedRecord(PatientRecord record)
    {
        Record = record;
        var tag = Guid.NewGuid().ToString("N")[..10];
        Planted = PhrSectionCodes.All.ToDictionary(s => s, s => $"planted-{s.ToCode()}-{tag}");
        PulseValue = 60 + (decimal)(Random.Shared.Next(0, 4000) / 100.0);
        Resources = new Dictionary<PhrSection, Resource>
        {
            [PhrSection.Personal] = new Patient
            {
                Id = record.PatientId,
                Active = true,
                Name = [new HumanName { Family = Planted[PhrSection.Personal], Given = ["Alex"] }],
                BirthDate = "1980-04-01",
            },
            [PhrSection.Vitals] = new Observation
            {
                Id = "pulse-" + tag,
                Status = ObservationStatus.Final,
                Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")],
                Code = new CodeableConcept("http://loinc.org", "8867-4"),
                Subject = record.Subject,
                Effective = new FhirDateTime("2026-03-01T10:00:00Z"),
                Value = new Quantity(PulseValue, "/min"),
                Note = [new Annotation { Text = new Markdown(Planted[PhrSection.Vitals]) }],
            },
            [PhrSection.Medical] = new Condition
            {
                Id = "condition-" + tag,
                Subject = record.Subject,
                Code = new CodeableConcept("http://snomed.info/sct", "44054006", Planted[PhrSection.Medical]),
                RecordedDate = "2026-02-01",
            },
            [PhrSection.Prescriptions] = new MedicationRequest
            {
                Id = "prescription-" + tag,
                Status = MedicationRequest.MedicationrequestStatus.Active,
                Intent = MedicationRequest.MedicationRequestIntent.Order,
                Subject = record.Subject,
                Medication = new CodeableConcept("http://www.nlm.nih.gov/research/umls/rxnorm", "860975", Planted[PhrSection.Prescriptions]),
                AuthoredOn = "2026-02-02",
            },
            [PhrSection.Insurance] = new Coverage
            {
                Id = "coverage-" + tag,
                Status = FinancialResourceStatusCodes.Active,
                Beneficiary = record.Subject,
                Payor = [new ResourceReference { Display = "payor" }],
                SubscriberId = Planted[PhrSection.Insurance],
            },
        };
    }

    public PatientRecord Record { get; }

    public IReadOnlyDictionary<PhrSection, string> Planted { get; }

    /// <summary>The vital sign's value, protected in the vitals section.</summary>
    public decimal PulseValue { get; }

    public IReadOnlyDictionary<PhrSection, Resource> Resources { get; }

    /// <summary>Writes every resource, sealed, with PUT; fails the test on the first refusal.</summary>
    public static async Task<PlantedRecord> WriteAsync(PatientRecord record)
    {
        var planted = new PlantedRecord(record);
        foreach (var (section, resource) in planted.Resources)
        {
            var response = await record.WriteAsync(resource);
            response.IsSuccess.ShouldBeTrue($"writing the {section.ToCode()} resource: {(int)response.Status} {Snippet(response)}");
        }

        return planted;
    }

    private static string Snippet(FhirResponse response) => response.Body.Length > 400 ? response.Body[..400] : response.Body;
}
