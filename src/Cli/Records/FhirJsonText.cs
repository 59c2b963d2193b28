using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace SeSPHR.Cli.Records;

/// <summary>FHIR JSON as the CLI prints it with <c>--json</c>.</summary>
internal static class FhirJsonText
{
    private static readonly FhirJsonSerializer Serializer = new();

    public static string Bundle(IEnumerable<Resource> resources) => Of(new Bundle
    {
        Type = Hl7.Fhir.Model.Bundle.BundleType.Collection,
        Entry = [.. resources.Select(r => new Bundle.EntryComponent { FullUrl = $"{r.TypeName}/{r.Id}", Resource = r })],
    });

    public static string Of(Resource resource) => Serializer.SerializeToString(resource);
}
