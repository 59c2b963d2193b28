using System.Globalization;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.WebUtilities;
using SeSPHR.FhirServer.Features.Resources;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Features.Bundles;

/// <summary>The response entry of one request entry of a batch or transaction (bundle.html#BundleEntryResponse).</summary>
public sealed record EntryResult(int StatusCode, string? FullUrl, string? ResourceJson, string? Location, long? VersionId, DateTimeOffset? LastModified, OperationOutcome? Outcome)
{
    /// <summary><c>response.status</c>: the code and its reason phrase, as FHIR shows it ("201 Created").</summary>
    public string Status => $"{StatusCode.ToString(CultureInfo.InvariantCulture)} {ReasonPhrases.GetReasonPhrase(StatusCode)}".TrimEnd();

    public string? ETag => VersionId is { } version ? $"W/\"{version.ToString(CultureInfo.InvariantCulture)}\"" : null;

    /// <summary>After a create or update: the representation, nothing, or an outcome, as <c>Prefer: return</c> asks.</summary>
    public static EntryResult Written(StoredResource resource, int statusCode, BundleContext context)
    {
        var fullUrl = $"{context.BaseUrl}/{resource.ResourceType}/{resource.LogicalId}";
        var version = resource.VersionId.ToString(CultureInfo.InvariantCulture);
        return new EntryResult(
            statusCode,
            fullUrl,
            context.Return == ReturnPreference.Representation ? resource.Json : null,
            $"{fullUrl}/_history/{version}",
            resource.VersionId,
            resource.LastUpdated,
            context.Return == ReturnPreference.OperationOutcome
                ? StoredResponses.Informational($"{(statusCode == StatusCodes.Status201Created ? "Created" : "Updated")} {resource.Id} version {version}.")
                : null);
    }

    public static EntryResult Read(StoredResource resource, BundleContext context) => new(
        StatusCodes.Status200OK,
        $"{context.BaseUrl}/{resource.ResourceType}/{resource.LogicalId}",
        resource.Json,
        null,
        resource.VersionId,
        resource.LastUpdated,
        null);

    public static EntryResult Read(StoredResourceVersion version, BundleContext context) => new(
        StatusCodes.Status200OK,
        $"{context.BaseUrl}/{version.ResourceType}/{version.LogicalId}",
        version.Json,
        null,
        version.VersionId,
        version.LastUpdated,
        null);

    public static EntryResult NotModified(StoredResource resource) =>
        new(StatusCodes.Status304NotModified, null, null, null, resource.VersionId, resource.LastUpdated, null);

    public static EntryResult Deleted(long? tombstoneVersion) =>
        new(StatusCodes.Status204NoContent, null, null, null, tombstoneVersion, null, null);

    /// <summary>A searchset or history Bundle as the entry's resource.</summary>
    public static EntryResult Found(string bundleJson) => new(StatusCodes.Status200OK, null, bundleJson, null, null, null, null);

    public static EntryResult Failed(FhirException failure) =>
        new(failure.StatusCode, null, null, null, null, null, failure.Outcome);
}

/// <summary>What every entry of one Bundle request shares: the base URL and the caller's preferences.</summary>
public sealed record BundleContext(string BaseUrl, ReturnPreference Return, bool StrictHandling, HttpRequest Request);
