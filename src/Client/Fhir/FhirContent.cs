using System.Text;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace SeSPHR.Client.Fhir;

/// <summary>FHIR JSON bodies of requests and answers, read without validation (masked placeholders are valid here) and written back.</summary>
public static class FhirContent
{
    private static readonly FhirJsonSerializer Serializer = new();

    // No validation: a masked placeholder is valid here, and the caller sees what the server sent.
    private static readonly FhirJsonDeserializer Deserializer = new(new DeserializerSettings { Validator = null });

    public const string MediaType = "application/fhir+json";

    /// <summary>The resource in a JSON body; null for no body, another format or text that is not a FHIR resource.</summary>
    public static async Task<Resource?> ReadAsync(HttpContent? content, CancellationToken cancellationToken)
    {
        if (content is null || content.Headers.ContentType?.MediaType is { } mediaType && !mediaType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var text = await content.ReadAsStringAsync(cancellationToken);
        if (!text.TrimStart().StartsWith('{'))
        {
            return null;
        }

        try
        {
            return Deserializer.DeserializeResource(text);
        }
        catch (Exception notFhir) when (notFhir is FormatException or DeserializationFailedException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>A JSON body for <paramref name="resource"/> that keeps the other content headers of <paramref name="replaced"/> (Last-Modified, ...).</summary>
    public static HttpContent Write(Resource resource, HttpContent? replaced)
    {
        var content = new StringContent(Serializer.SerializeToString(resource), Encoding.UTF8, MediaType);
        foreach (var header in replaced?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
        {
            if (header.Key is not ("Content-Type" or "Content-Length"))
            {
                content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        return content;
    }
}
