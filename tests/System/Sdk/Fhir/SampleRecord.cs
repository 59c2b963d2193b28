using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using SeSPHR.Phr.Sections;

namespace SeSPHR.SystemTests.Sdk.Fhir;

/// <summary>
/// One realistic resource of every type the section policy files in a patient's record, taken from a
/// Synthea patient and from the FHIR R4 examples in <c>shared/data</c>, moved into the record of the
/// patient under test: no id or meta (the client chooses the id), the patient element pointing at
/// that patient, and the clear links to other resources (encounter, claim, ...) dropped, since those
/// resources are not written here. References inside what gets sealed stay as they came.
/// </summary>
public static class SampleRecord
{
    /// <summary>Clear reference elements that would point at resources these tests do not write.</summary>
    private static readonly string[] ClearLinks = ["encounter", "context", "request", "claim", "claimResponse"];

    private static readonly FhirJsonDeserializer Parser = new(new DeserializerSettings { Validator = null });

    /// <summary>The Synthea patient the record is taken from (it has allergies and an imaging study).</summary>
    public static string SyntheaBundlePath => Directory.EnumerateFiles(SharedData("synthea", "bundles"), "*.json")
        .OrderBy(path => path, StringComparer.Ordinal)
        .First(path => File.ReadAllText(path) is var text && text.Contains("\"ImagingStudy\"", StringComparison.Ordinal) && text.Contains("\"AllergyIntolerance\"", StringComparison.Ordinal));

    /// <summary>The resources, the patient's own Patient first (its id is the patient's).</summary>
    public static IReadOnlyList<Resource> For(string patientFhirUser)
    {
        var synthea = JsonNode.Parse(File.ReadAllText(SyntheaBundlePath))!["entry"]!.AsArray().Select(e => e!["resource"]!.AsObject()).ToList();
        var fromSynthea = new[]
        {
            "Patient", "Encounter", "Condition", "AllergyIntolerance", "Procedure", "DiagnosticReport", "Immunization", "CarePlan",
            "Goal", "ImagingStudy", "MedicationRequest", "Claim", "ExplanationOfBenefit",
        }.Select(type => synthea.First(r => (string?)r["resourceType"] == type));
        var observations = new[]
        {
            synthea.First(r => IsObservation(r, "vital-signs")),
            synthea.First(r => IsObservation(r, "laboratory")),
        };
        var fromExamples = new[]
        {
            "relatedperson-example.json", "documentreference-example.json", "medicationstatementexample1.json", "medicationdispense0301.json",
            "coverage-example.json", "claimresponse-example.json", "Device-d1.json",
        }.Select(file => JsonNode.Parse(File.ReadAllText(SharedData("fhir-examples", "r4", file)))!.AsObject());
        return [.. fromSynthea.Concat(observations).Concat(fromExamples).Select(json => IntoRecord((JsonObject)json.DeepClone(), patientFhirUser))];
    }

    public static string SharedData(params string[] parts)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared", "data");
            if (Directory.Exists(candidate))
            {
                return Path.Combine([candidate, .. parts]);
            }
        }

        throw new DirectoryNotFoundException($"No shared/data above {AppContext.BaseDirectory}.");
    }

    /// <summary>The resource without what the server or the client sets (id, meta), for comparing element by element.</summary>
    public static Resource WithoutIdAndMeta(Resource resource)
    {
        var copy = (Resource)resource.DeepCopy();
        copy.Id = null;
        copy.Meta = null;
        return copy;
    }

    private static bool IsObservation(JsonObject resource, string category) =>
        (string?)resource["resourceType"] == "Observation" && resource.ToJsonString().Contains($"\"code\":\"{category}\"", StringComparison.Ordinal);

    private static Resource IntoRecord(JsonObject json, string patientFhirUser)
    {
        var type = (string)json["resourceType"]!;
        json.Remove("id");
        json.Remove("meta");
        foreach (var link in ClearLinks)
        {
            if (json[link] is JsonObject { } value && value.ContainsKey("reference"))
            {
                json.Remove(link);
            }
        }

        if (type == "Patient")
        {
            json["id"] = patientFhirUser["Patient/".Length..];
        }
        else
        {
            json[SectionPolicy.For(type).PatientElement!] = new JsonObject { ["reference"] = patientFhirUser };
        }

        return Parser.DeserializeResource(json.ToJsonString());
    }
}
