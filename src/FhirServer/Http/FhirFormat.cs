using Microsoft.Net.Http.Headers;

namespace SeSPHR.FhirServer.Http;

/// <summary>The two wire formats of FHIR R4 that the server reads and writes.</summary>
public enum FhirFormat
{
    Json,
    Xml,
}

/// <summary>Content negotiation: <c>_format</c> first, then <c>Accept</c>; JSON by default.</summary>
public static class FhirFormats
{
    public const string JsonMediaType = "application/fhir+json";
    public const string XmlMediaType = "application/fhir+xml";

    public static string MediaType(this FhirFormat format) => format == FhirFormat.Json ? JsonMediaType : XmlMediaType;

    /// <summary>The format the client asked the response to be in.</summary>
    public static FhirFormat ForResponse(HttpRequest request)
    {
        var parameter = request.Query["_format"].ToString();
        if (parameter.Length > 0)
        {
            return FromName(parameter) ?? throw new FhirException(
                StatusCodes.Status406NotAcceptable, Hl7.Fhir.Model.OperationOutcome.IssueType.NotSupported,
                "_format must be json, xml, application/fhir+json or application/fhir+xml.", "_format");
        }

        var accept = request.GetTypedHeaders().Accept;
        if (accept is { Count: > 0 })
        {
            foreach (var value in accept.OrderByDescending(a => a.Quality ?? 1.0))
            {
                if (FromName(value.MediaType.Value ?? "") is { } format)
                {
                    return format;
                }
            }
        }

        return FhirFormat.Json;
    }

    /// <summary>The format of the request body, from <c>Content-Type</c>; 415 when it is not FHIR.</summary>
    public static FhirFormat ForRequestBody(HttpRequest request)
    {
        if (string.IsNullOrEmpty(request.ContentType))
        {
            throw new FhirException(StatusCodes.Status415UnsupportedMediaType, Hl7.Fhir.Model.OperationOutcome.IssueType.NotSupported,
                "A request body needs a Content-Type of application/fhir+json or application/fhir+xml.");
        }

        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            && FromName(contentType.MediaType.Value ?? "") is { } format
            && !contentType.MediaType.Value!.Equals("*/*", StringComparison.Ordinal))
        {
            return format;
        }

        throw new FhirException(StatusCodes.Status415UnsupportedMediaType, Hl7.Fhir.Model.OperationOutcome.IssueType.NotSupported,
            "Content-Type must be application/fhir+json or application/fhir+xml.");
    }

    private static FhirFormat? FromName(string name) => name.Trim().ToLowerInvariant() switch
    {
        "json" or JsonMediaType or "application/json" or "application/json+fhir" or "*/*" or "application/*" => FhirFormat.Json,
        "xml" or XmlMediaType or "application/xml" or "text/xml" or "application/xml+fhir" => FhirFormat.Xml,
        _ => null,
    };
}
