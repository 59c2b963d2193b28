using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace SeSPHR.Phr.Serialization;

/// <summary>
/// The Firely JSON (de)serializers the library uses, created once (both are thread-safe).
/// Partial resources — a section payload's elements, or a resource holding one bound field —
/// lack required elements by construction, so they are read without cardinality validation.
/// </summary>
internal static class FhirJson
{
    public static FhirJsonSerializer Serializer { get; } = new();

    public static FhirJsonDeserializer PartialDeserializer { get; } = new(new DeserializerSettings { Validator = null });

    public static string Serialize(Base value) => Serializer.SerializeToString(value);

    public static Resource DeserializePartial(string json) => PartialDeserializer.DeserializeResource(json);
}
