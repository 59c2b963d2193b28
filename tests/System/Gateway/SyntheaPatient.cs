using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using SeSPHR.Phr.Sections;
using SeSPHR.SystemTests.Infrastructure;

namespace SeSPHR.SystemTests.Gateway;

/// <summary>
/// One Synthea patient (../shared/data/synthea/bundles) as the patient's own client holds it before
/// sealing: the resources of the patient's record only (the directory entries, Organization and
/// Practitioner, are not the patient's to write), each with its client-chosen id (the uuid of its
/// fullUrl; the Patient takes the signed-in patient's id) and every <c>urn:uuid:</c> reference
/// rewritten to <c>Type/id</c>.
/// </summary>
public static class SyntheaPatient
{
    public const string SmallestBundle = "Louis_Erdman_55bbe118-e08d-4408-86e5-6084457500d4.json";

    private static readonly FhirJsonDeserializer Deserializer = new(new DeserializerSettings { Validator = null });

    public static IReadOnlyList<Resource> Load(string bundleFile, string patientId)
    {
        var bundle = Deserializer.Deserialize<Bundle>(File.ReadAllText(Path.Combine(Repository.Root, "..", "shared", "data", "synthea", "bundles", bundleFile)));
        var targets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in bundle.Entry)
        {
            var resource = entry.Resource!;
            var fullUrl = entry.FullUrl!;
            resource.Id = resource is Patient ? patientId : fullUrl["urn:uuid:".Length..];
            targets[fullUrl] = $"{resource.TypeName}/{resource.Id}";
        }

        var record = bundle.Entry.Select(e => e.Resource!).Where(IsPatientsOwn).ToList();
        foreach (var resource in record)
        {
            Rewrite(resource, targets);
        }

        return record;
    }

    private static bool IsPatientsOwn(Resource resource) =>
        resource is Patient || (SectionPolicy.IsSupported(resource.TypeName) && SectionPolicy.For(resource).PatientElement is not null);

    private static void Rewrite(Base node, Dictionary<string, string> targets)
    {
        foreach (var (_, value) in node.EnumerateElements())
        {
            IEnumerable<Base> children = value switch
            {
                IReadOnlyList<Base> list => list,
                Base child => [child],
                _ => [],
            };
            foreach (var child in children)
            {
                if (child is ResourceReference { Reference: { } reference } link && targets.TryGetValue(reference, out var target))
                {
                    link.Reference = target;
                }
                else
                {
                    Rewrite(child, targets);
                }
            }
        }
    }
}
