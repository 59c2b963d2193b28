using System.Globalization;
using System.Text;
using Hl7.Fhir.Model;

namespace SeSPHR.FhirServer.Http;

/// <summary>
/// A FHIR response in the format the client negotiated. Stored resources are JSON already and
/// go out byte for byte when JSON is wanted; XML is made from the POCO.
/// </summary>
public sealed record FhirResult(int StatusCode, Base? Poco, string? Json) : IResult
{
    public string? Location { get; init; }

    public long? VersionId { get; init; }

    public DateTimeOffset? LastModified { get; init; }

    public static FhirResult Of(int statusCode, Base resource) => new(statusCode, resource, null);

    public static FhirResult OfStored(int statusCode, string json) => new(statusCode, null, json);

    public static FhirResult Empty(int statusCode) => new(statusCode, null, null);

    public async System.Threading.Tasks.Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        var format = FhirFormats.ForResponse(httpContext.Request);
        response.StatusCode = StatusCode;
        if (Location is not null)
        {
            response.Headers.Location = Location;
            response.Headers.ContentLocation = Location;
        }

        if (VersionId is { } version)
        {
            response.Headers.ETag = $"W/\"{version.ToString(CultureInfo.InvariantCulture)}\"";
        }

        if (LastModified is { } modified)
        {
            response.Headers.LastModified = modified.ToString("R", CultureInfo.InvariantCulture);
        }

        if (Poco is null && Json is null)
        {
            return;
        }

        var serialization = httpContext.RequestServices.GetRequiredService<FhirSerialization>();
        response.ContentType = $"{format.MediaType()}; charset=utf-8";
        if (format == FhirFormat.Json)
        {
            if (Json is { } stored)
            {
                await response.WriteAsync(stored, Encoding.UTF8, httpContext.RequestAborted);
                return;
            }

            await response.Body.WriteAsync(serialization.SerializeToJsonUtf8(Poco!), httpContext.RequestAborted);
            return;
        }

        var poco = Poco ?? serialization.ParseStored(Json!);
        await response.Body.WriteAsync(serialization.SerializeToXmlUtf8(poco), httpContext.RequestAborted);
    }
}
