using System.Buffers;
using System.Text.Json;
using Hl7.Fhir.Model;
using SeSPHR.Phr.Sections;
using SeSPHR.Phr.Serialization;

namespace SeSPHR.Phr.Masking;

/// <summary>Writes and reads the <c>sesphr-section-payload/1</c> JSON documented on <see cref="SectionPayload"/>.</summary>
internal static class SectionPayloadCodec
{
    public const string Format = "sesphr-section-payload/1";

    public static byte[] Encode(PhrSection section, string resourceType, string? resourceId, bool confidentialityLabelAdded, Resource elements)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("format", Format);
            writer.WriteString("section", section.ToCode());
            writer.WriteString("resourceType", resourceType);
            if (resourceId is null)
            {
                writer.WriteNull("id");
            }
            else
            {
                writer.WriteString("id", resourceId);
            }

            writer.WriteBoolean("confidentialityLabelAdded", confidentialityLabelAdded);
            writer.WritePropertyName("elements");
            writer.WriteRawValue(FhirJson.Serialize(elements), skipInputValidation: true);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static DecodedSectionPayload Decode(byte[] content)
    {
        try
        {
            using var document = JsonDocument.Parse(content);
            var root = document.RootElement;
            if (root.GetProperty("format").GetString() != Format)
            {
                throw new SectionMergeException($"The section payload is not in format {Format}.");
            }

            var id = root.GetProperty("id");
            return new DecodedSectionPayload(
                PhrSectionCodes.Parse(root.GetProperty("section").GetString() ?? string.Empty),
                root.GetProperty("resourceType").GetString() ?? string.Empty,
                id.ValueKind == JsonValueKind.Null ? null : id.GetString(),
                root.GetProperty("confidentialityLabelAdded").GetBoolean(),
                ReadElements(root.GetProperty("elements")));
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException or FormatException
                                              or Hl7.Fhir.Serialization.DeserializationFailedException)
        {
            // The inner exception may quote payload content; it stays on the client that holds the plaintext.
            throw new SectionMergeException("The section payload is malformed.", exception);
        }
    }

    private static Resource ReadElements(JsonElement elements)
    {
        // A resource with nothing protected has an elements object of only its resourceType,
        // which the FHIR parser refuses as empty.
        if (elements.EnumerateObject().All(property => property.Name == "resourceType"))
        {
            var type = elements.GetProperty("resourceType").GetString() ?? string.Empty;
            return (Resource)(FhirElements.Inspector.FindClassMapping(type)?.CreateInstance()
                ?? throw new FormatException($"Unknown resource type '{type}'."));
        }

        return FhirJson.DeserializePartial(elements.GetRawText());
    }
}

internal sealed record DecodedSectionPayload(
    PhrSection Section,
    string ResourceType,
    string? ResourceId,
    bool ConfidentialityLabelAdded,
    Resource Elements);
