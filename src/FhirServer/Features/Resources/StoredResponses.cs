using System.Globalization;
using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Features.Resources;

/// <summary>Responses for single stored resources: ETag, Last-Modified, Location, Prefer.</summary>
public static class StoredResponses
{
    public static FhirResult Read(StoredResource resource) =>
        FhirResult.OfStored(StatusCodes.Status200OK, resource.Json!) with
        {
            VersionId = resource.VersionId,
            LastModified = resource.LastUpdated,
        };

    public static FhirResult Read(StoredResourceVersion version) =>
        FhirResult.OfStored(StatusCodes.Status200OK, version.Json!) with
        {
            VersionId = version.VersionId,
            LastModified = version.LastUpdated,
        };

    /// <summary>After a create or update: the representation, nothing, or an outcome, as Prefer asks.</summary>
    public static FhirResult Written(HttpRequest request, string baseUrl, StoredResource resource, int status)
    {
        var location = $"{baseUrl}/{resource.ResourceType}/{resource.LogicalId}/_history/{resource.VersionId}";
        var result = FhirRequest.ReturnPreferenceOf(request) switch
        {
            ReturnPreference.Minimal => FhirResult.Empty(status),
            ReturnPreference.OperationOutcome => FhirResult.Of(status, Informational(
                $"{(status == StatusCodes.Status201Created ? "Created" : "Updated")} {resource.Id} version {resource.VersionId}.")),
            _ => FhirResult.OfStored(status, resource.Json!),
        };
        return result with
        {
            Location = location,
            VersionId = resource.VersionId,
            LastModified = resource.LastUpdated,
        };
    }

    public static FhirException Gone(string resourceType, string id) =>
        new(StatusCodes.Status410Gone, OperationOutcome.IssueType.Deleted, $"Resource {resourceType}/{id} was deleted.");

    public static OperationOutcome Informational(string text) => new()
    {
        Issue =
        [
            new OperationOutcome.IssueComponent
            {
                Severity = OperationOutcome.IssueSeverity.Information,
                Code = OperationOutcome.IssueType.Informational,
                Diagnostics = text,
            },
        ],
    };

    /// <summary>The version an <c>If-Match</c> header asks for (<c>W/"3"</c>), or null.</summary>
    public static long? IfMatchVersion(HttpRequest request)
    {
        var header = request.Headers.IfMatch.ToString();
        if (header.Length == 0)
        {
            return null;
        }

        var text = header.Trim();
        if (text.StartsWith("W/", StringComparison.Ordinal))
        {
            text = text[2..];
        }

        text = text.Trim('"');
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version > 0
            ? version
            : throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
                "If-Match must be a version ETag such as W/\"3\".");
    }
}
