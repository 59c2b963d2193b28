using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using SeSPHR.SystemTests.Infrastructure;

namespace SeSPHR.SystemTests.Fuzz;

/// <summary>
/// The bodies the fuzz run starts from: the FHIR R4 examples and the negative examples of the
/// shared test data (<c>../shared/data/fhir-examples</c>, malformed ones included), the parseable
/// ones also as XML, and a few bodies of its own so the run has seeds when that folder is absent.
/// </summary>
public sealed class FuzzCorpus
{
    private const int LargestBody = 64 * 1024;

    public IReadOnlyList<(string Name, string Json)> Json { get; }

    public IReadOnlyList<(string Name, string Xml)> Xml { get; }

    private FuzzCorpus(List<(string, string)> json, List<(string, string)> xml)
    {
        Json = json;
        Xml = xml;
    }

    public static FuzzCorpus Load()
    {
        var json = new List<(string Name, string Json)>(BuiltIn);
        var examples = Path.GetFullPath(Path.Combine(Repository.Root, "..", "shared", "data", "fhir-examples"));
        if (Directory.Exists(examples))
        {
            foreach (var folder in new[] { "r4", "normative", "negative", Path.Combine("negative", "malformed-json") })
            {
                var path = Path.Combine(examples, folder);
                if (!Directory.Exists(path))
                {
                    continue;
                }

                json.AddRange(Directory.GetFiles(path, "*.json").Order(StringComparer.Ordinal)
                    .Where(file => new FileInfo(file).Length <= LargestBody)
                    .Select(file => ($"{folder}/{Path.GetFileName(file)}", File.ReadAllText(file))));
            }
        }

        var parser = new FhirJsonDeserializer(new DeserializerSettings().UsingMode(DeserializationMode.Recoverable));
        var xmlSerializer = new BaseFhirXmlSerializer(ModelInfo.ModelInspector);
        var xml = new List<(string, string)>();
        foreach (var (name, text) in json)
        {
            try
            {
                xml.Add((name.Replace(".json", ".xml", StringComparison.Ordinal), ToXml(xmlSerializer, parser.DeserializeResource(text))));
            }
            catch (Exception unreadable) when (unreadable is DeserializationFailedException or FormatException or System.Text.Json.JsonException or InvalidOperationException or ArgumentException)
            {
                // Malformed on purpose: it seeds the JSON fuzz only.
            }
        }

        return new FuzzCorpus(json, xml);
    }

    private static string ToXml(BaseFhirXmlSerializer serializer, Resource resource)
    {
        var text = new System.Text.StringBuilder();
        using (var writer = System.Xml.XmlWriter.Create(text, new System.Xml.XmlWriterSettings { OmitXmlDeclaration = true }))
        {
            serializer.Serialize(resource, writer);
        }

        return text.ToString();
    }

    private static readonly (string, string)[] BuiltIn =
    [
        ("built-in/patient", """{"resourceType":"Patient","id":"fz-p","active":true,"gender":"female","birthDate":"1970-01-01","identifier":[{"system":"urn:x","value":"1"}]}"""),
        ("built-in/observation", """{"resourceType":"Observation","id":"fz-o","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"subject":{"reference":"Patient/fz-p"},"effectiveDateTime":"2024-05-01T10:00:00Z","valueQuantity":{"value":72,"unit":"/min"}}"""),
        ("built-in/batch", """{"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"GET","url":"Patient?_id=fz-p"}},{"resource":{"resourceType":"Organization","name":"x"},"request":{"method":"POST","url":"Organization"}},{"request":{"method":"DELETE","url":"Organization?name=x"}}]}"""),
        ("built-in/transaction", """{"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d","resource":{"resourceType":"Organization","name":"x"},"request":{"method":"POST","url":"Organization"}},{"resource":{"resourceType":"Location","name":"y","managingOrganization":{"reference":"urn:uuid:9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"}},"request":{"method":"PUT","url":"Location?name=y"}}]}"""),
        ("built-in/parameters", """{"resourceType":"Parameters","parameter":[{"name":"resource","resource":{"resourceType":"Patient","active":true}},{"name":"profile","valueUri":"http://hl7.org/fhir/StructureDefinition/Patient"}]}"""),
        ("built-in/consent", """{"resourceType":"Consent","status":"active","scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},"category":[{"coding":[{"system":"http://loinc.org","code":"59284-0"}]}],"patient":{"reference":"Patient/fz-p"},"policyRule":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"OPTIN"}]},"provision":{"type":"permit","period":{"start":"2020-01-01","end":"9999-12-31T23:59:59.999+14:00"}}}"""),
    ];
}
