using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.AspNetCore.Http;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Cli.Gateway;

/// <summary>
/// A body the gateway passes on must be a FHIR resource in JSON, and a transaction or batch may only
/// carry resources the gateway can seal: an entry of a type the section policy does not know would
/// otherwise reach the FhirServer in the clear.
/// </summary>
internal static class WriteBodies
{
    private static readonly FhirJsonDeserializer Deserializer = new(new DeserializerSettings { Validator = null });

    /// <exception cref="GatewayRequestException">the body is not FHIR JSON (400) or an entry's type is unknown (422).</exception>
    public static void RequireSealable(string body)
    {
        Resource resource;
        try
        {
            resource = Deserializer.DeserializeResource(body);
        }
        catch (Exception failure) when (failure is FormatException or DeserializationFailedException or System.Text.Json.JsonException)
        {
            throw new GatewayRequestException(StatusCodes.Status400BadRequest, "The request body is not a FHIR R4 resource in JSON.");
        }

        var unknown = resource is Bundle bundle
            ? bundle.Entry.Select(e => e.Resource?.TypeName).OfType<string>().FirstOrDefault(type => !SectionPolicy.IsSupported(type))
            : null;
        if (unknown is not null)
        {
            throw new GatewayRequestException(StatusCodes.Status422UnprocessableEntity, $"The Bundle holds a {unknown}, which the section policy does not know; the gateway writes only the types it can seal.");
        }
    }
}
