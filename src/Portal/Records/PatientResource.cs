using System.Net;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;

namespace SeSPHR.Portal.Records;

/// <summary>Reads a Patient through an SDK FhirClient; a record without one (or one the server withholds) is null, not an error.</summary>
public static class PatientResource
{
    public static async Task<Patient?> ReadAsync(FhirClient fhir, string patientFhirUser)
    {
        ArgumentNullException.ThrowIfNull(fhir);
        try
        {
            return await fhir.ReadAsync<Patient>(patientFhirUser);
        }
        catch (FhirOperationException missing) when (missing.Status is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            return null;
        }
    }
}
