using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Fhir;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Records;
using SeSPHR.Portal.Sessions;

using SeSPHR.Portal.Times;

namespace SeSPHR.Portal.Records;

/// <summary>
/// The signed-in patient's own record through the SDK: a FhirClient that seals every write to the
/// patient's section keys (at the epochs of their grant book) and opens every read. The Patient's
/// id is the id of the patient's <c>fhirUser</c>, as the SRS's token and every Consent name it.
/// </summary>
public sealed class OwnRecord : IDisposable
{
    private OwnRecord(PatientRecord record)
    {
        Record = record;
        Fhir = record.CreateFhirClient();
    }

    public PatientRecord Record { get; }

    public FhirClient Fhir { get; }

    public static async Task<OwnRecord> OpenAsync(PhrUser patient, PortalJournals journals)
    {
        await patient.RenewIfExpiringAsync();
        return new OwnRecord(new PatientRecord(patient, PatientGrants.Open(patient, journals.For(patient)).Book));
    }

    /// <summary>The patient's Patient resource, opened; null before the record exists.</summary>
    public Task<Patient?> ReadPatientAsync() => PatientResource.ReadAsync(Fhir, Record.Patient.FhirUser);

    /// <summary>The record's tables, days in <paramref name="zone"/>.</summary>
    public RecordTables TablesIn(ReaderTimeZone zone) => new(Fhir, Record.Patient.FhirUser, zone);

    public void Dispose() => Fhir.Dispose();
}
