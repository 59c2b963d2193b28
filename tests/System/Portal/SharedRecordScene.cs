using Hl7.Fhir.Model;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Fhir;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Records;
using SeSPHR.Phr.Sections;
using SeSPHR.SystemTests.Infrastructure;
using SeSPHR.SystemTests.Sdk.Fhir;

namespace SeSPHR.SystemTests.Portal;

/// <summary>
/// A patient whose record was written through the SDK (personal details, a condition, a prescription,
/// a medication statement, coverage, a claim and an explanation of benefit), and grantees with a
/// password of their own who sign in to the portal and are granted sections through the SDK.
/// </summary>
public sealed class SharedRecordScene : IDisposable
{
    public const string PatientName = "Rosa Shared";
    public const string Condition = "Seasonal allergic rhinitis";
    public const string Prescription = "Cetirizine 10 mg oral tablet";
    public const string SubscriberId = "ACME-SUB-77031";

    private SharedRecordScene(SesphrSystem system, PhrUser patient, PatientGrants grants)
    {
        System = system;
        Patient = patient;
        Grants = grants;
    }

    public SesphrSystem System { get; }

    public PhrUser Patient { get; }

    public PatientGrants Grants { get; }

    public string PatientId => Patient.FhirUser["Patient/".Length..];

    public static async Task<SharedRecordScene> SeedAsync(SesphrSystem system)
    {
        var patient = await system.NewPatientAsync("portal-shared");
        var grants = PatientGrants.Open(patient, system.JournalFolder(patient));
        var record = new PatientRecord(patient, grants.Book);
        using var fhir = record.CreateFhirClient();
        await fhir.UpdateAsync(new Patient
        {
            Id = record.PatientId,
            Name = [new HumanName { Use = HumanName.NameUse.Official, Text = PatientName }],
            Gender = AdministrativeGender.Female,
            BirthDate = "1979-02-11",
            Address = [new Address { Use = Address.AddressUse.Home, Line = ["12 Harbour Road"], City = "Springfield", State = "IL", PostalCode = "62701" }],
        });
        await WriteEntriesAsync(fhir, patient.FhirUser);
        return new SharedRecordScene(system, patient, grants);
    }

    /// <summary>Writes a condition, a prescription, coverage, a claim and an explanation of benefit into the record through the patient's client.</summary>
    public static async System.Threading.Tasks.Task WriteEntriesAsync(Hl7.Fhir.Rest.FhirClient fhir, string patientFhirUser)
    {
        var subject = new ResourceReference(patientFhirUser);
        await fhir.CreateAsync(new Condition
        {
            Subject = subject,
            Code = new CodeableConcept("http://snomed.info/sct", "367498001", Condition),
            ClinicalStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
            Onset = new FhirDateTime("2021-04-02"),
        });
        await fhir.CreateAsync(new MedicationRequest
        {
            Status = MedicationRequest.MedicationrequestStatus.Active,
            Intent = MedicationRequest.MedicationRequestIntent.Order,
            Subject = subject,
            Medication = new CodeableConcept("http://www.nlm.nih.gov/research/umls/rxnorm", "1014678", Prescription),
            AuthoredOn = "2024-03-02",
            DosageInstruction = [new Dosage { Text = "One tablet daily" }],
        });
        await fhir.CreateAsync(new Coverage
        {
            Status = FinancialResourceStatusCodes.Active,
            Beneficiary = subject,
            Payor = [new ResourceReference { Display = "Acme Insurance" }],
            SubscriberId = SubscriberId,
            Period = new Period { Start = "2024-01-01", End = "2024-12-31" },
        });
        foreach (var insurance in SampleRecord.For(patientFhirUser).Where(r => r is Claim or ExplanationOfBenefit))
        {
            await fhir.CreateAsync(insurance);
        }
    }

    /// <summary>A user of <paramref name="role"/> with a password (approved by the admin when the role waits for it).</summary>
    public async Task<(PhrUser User, string Password)> NewGranteeAsync(string name, string role)
    {
        var password = PhrUser.NewPassword();
        var fhirType = role == SrsRoles.Insurer ? "Organization" : role == SrsRoles.RelatedPerson ? "RelatedPerson" : "Practitioner";
        var user = PhrUser.Create(System.Endpoints, $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)], role, $"{fhirType}/{Guid.NewGuid():N}", password);
        var registered = await user.RegisterAsync();
        if (registered.Status == "pending")
        {
            await System.Admin.RenewIfExpiringAsync();
            await System.Admin.Srs.ApproveAsync(registered.UserId.ToString(), await System.Admin.GetSrsAccessTokenAsync());
        }

        return (user, password);
    }

    public Task<GranteeRecord> GrantAsync(PhrUser grantee, params PhrSection[] sections) =>
        Grants.GrantAsync(grantee.FhirUser, grantee.Keys.Fingerprint, sections);

    public void Dispose() => Patient.Dispose();
}
