using Hl7.Fhir.Rest;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Records;

namespace SeSPHR.Client.Fhir;

/// <summary>
/// The SDK's entry to FHIR: an ordinary Firely <see cref="FhirClient"/> whose traffic passes through a
/// <see cref="SealingFhirHandler"/>, for the patient on their own record or for a grantee on the records
/// it was granted. Under the sealing handler sits the user's FhirServer handler: the token is renewed
/// before it expires, and a FhirServer that cannot be reached, does not answer in time or fails (5xx)
/// raises <see cref="Errors.FhirServerUnavailableException"/>. Dispose the client when done; it
/// disposes its handlers.
/// </summary>
public static class SealedFhirClients
{
    /// <summary>The patient's client: everything written is sealed to the patient's section keys, everything read is opened.</summary>
    public static FhirClient CreateFhirClient(this PatientRecord record, FhirClientSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new SealedRecordFhirClient(record.Patient.Endpoints.Fhir, SealingFhirHandler.ForPatient(record, record.Patient.CreateFhirHandler()), settings);
    }

    /// <summary>A grantee's client: writes need a write grant in their section; reads open what the grants reach and mark the rest.</summary>
    public static FhirClient CreateFhirClient(this PhrUser grantee, FhirClientSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(grantee);
        return new SealedRecordFhirClient(grantee.Endpoints.Fhir, SealingFhirHandler.ForGrantee(grantee, grantee.CreateFhirHandler()), settings);
    }

    /// <summary>JSON, the created or updated resource in the answer (so it comes back opened), no version check round trip.</summary>
    public static FhirClientSettings DefaultSettings() => new()
    {
        PreferredFormat = ResourceFormat.Json,
        ReturnPreference = ReturnPreference.Representation,
        VerifyFhirVersion = false,
    };

    /// <summary>A FhirClient that owns its sealing handler (Firely leaves a handler passed in to the caller).</summary>
    private sealed class SealedRecordFhirClient(Uri fhirBase, SealingFhirHandler handler, FhirClientSettings? settings)
        : FhirClient(fhirBase, settings ?? DefaultSettings(), handler)
    {
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                handler.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
