using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace SeSPHR.SystemTests.Gateway;

/// <summary>Resources compared as an app would see them: element for element, less the version the server stamps on.</summary>
public static class RecordComparison
{
    private static readonly FhirJsonSerializer Serializer = new();

    public static string Comparable(Resource resource)
    {
        var copy = (Resource)resource.DeepCopy();
        if (copy.Meta is { } meta)
        {
            meta.VersionId = null;
            meta.LastUpdated = null;
            if (!meta.Profile.Any() && meta.Security.Count == 0 && meta.Tag.Count == 0 && meta.Source is null)
            {
                copy.Meta = null;
            }
        }

        return Serializer.SerializeToString(copy);
    }

    public static void ShouldEqualSource(this Resource read, Resource source) =>
        Comparable(read).ShouldBe(Comparable(source), $"{source.TypeName}/{source.Id} through the gateway");
}
