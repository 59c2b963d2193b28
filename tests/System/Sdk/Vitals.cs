using System.Globalization;
using Hl7.Fhir.Model;
using SeSPHR.Client.Records;

namespace SeSPHR.SystemTests.Sdk;

/// <summary>Vital signs to write into a record in the SDK's tests.</summary>
public static class Vitals
{
    /// <summary>A final heart-rate Observation (vitals section) of <paramref name="record"/>'s patient, with a fresh id.</summary>
    public static Observation Pulse(PatientRecord record, int beats) => new()
    {
        Id = "pulse-" + Guid.NewGuid().ToString("N")[..12],
        Status = ObservationStatus.Final,
        Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")],
        Code = new CodeableConcept("http://loinc.org", "8867-4"),
        Subject = record.Subject,
        Effective = new FhirDateTime(DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
        Value = new Quantity(beats, "/min"),
    };
}
