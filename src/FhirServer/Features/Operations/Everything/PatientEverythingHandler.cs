using System.Globalization;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using SeSPHR.FhirServer.Features.Access;
using SeSPHR.FhirServer.Features.Resources;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Search;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Features.Operations.Everything;

/// <summary>
/// <c>GET [base]/Patient/[id]/$everything</c> (FHIR R4 patient-operation-everything): a searchset
/// Bundle with the Patient, every resource of its compartment (<c>match</c>) and the resources they
/// reference outside any patient's record (<c>include</c>), with <c>_since</c>, <c>_type</c>,
/// <c>_count</c> and stable <c>next</c>/<c>previous</c> links. 404 for an unknown patient, 410 for
/// a deleted one.
/// </summary>
public sealed class PatientEverythingHandler(
    IResourceStore store,
    PatientEverythingQuery query,
    OperationRegistry operations,
    ResourceRegistry resources,
    DisclosurePolicy disclosure,
    ResponseShaper shaper,
    IOptions<FhirServerOptions> options)
{
    public async Task<FhirResult> HandleAsync(HttpRequest request, string resourceType, string id, CancellationToken cancellationToken)
    {
        operations.Require(resourceType, FhirOperation.Everything);
        ResourceIds.Require(id);
        var patient = await store.ReadAsync(resourceType, id, cancellationToken);
        if (patient is null || !await disclosure.MayDiscloseAsync(patient, cancellationToken))
        {
            throw FhirException.NotFound(resourceType, id);
        }

        if (patient.IsDeleted)
        {
            throw StoredResponses.Gone(resourceType, id);
        }

        var (everything, linkParameters) = Parse(request);
        var page = await query.PageAsync(id, everything, cancellationToken);
        // The Bundle's total counts the whole record, beyond the page served: audited as a count.
        await shaper.AuditCountAsync([$"{resourceType}/{id}"], cancellationToken);

        var baseUrl = FhirRequest.BaseUrl(request, options.Value);
        var self = QueryHelpers.AddQueryString($"{baseUrl}/{resourceType}/{id}/$everything", linkParameters);
        var links = PageLinks.Build(self, everything.Cursor, page.Snapshot, page.Entries.Select(e => e.Resource).ToList(), page.HasNext, page.HasPrevious);
        using var bundle = new BundleWriter("searchset", page.Total, links);
        var shaped = await shaper.ShapeAsync(page.Entries.Select(e => e.Resource.ToDisclosed()).ToList(), "everything", cancellationToken);
        for (var index = 0; index < page.Entries.Count; index++)
        {
            var (found, inCompartment) = page.Entries[index];
            bundle.AddEntry($"{baseUrl}/{found.ResourceType}/{found.LogicalId}", shaped[index], inCompartment ? "match" : "include");
        }

        return FhirResult.OfStored(StatusCodes.Status200OK, bundle.Finish());
    }

    private (EverythingRequest Request, List<KeyValuePair<string, string?>> LinkParameters) Parse(HttpRequest request)
    {
        var count = SearchLimits.DefaultCount;
        DateTime? since = null;
        List<string>? types = null;
        PageCursor? cursor = null;
        var linkParameters = new List<KeyValuePair<string, string?>>();
        foreach (var (name, values) in request.Query)
        {
            var value = values.ToString();
            switch (name)
            {
                case "_count":
                    count = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var c) && c > 0
                        ? Math.Min(c, SearchLimits.MaxCount)
                        : throw Invalid("_count must be a positive integer.", name);
                    break;
                case "_since":
                    since = DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant)
                        ? instant.UtcDateTime
                        : throw Invalid("_since must be an instant.", name);
                    break;
                case "_type":
                    types = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
                    var unknown = types.FirstOrDefault(t => !resources.ResourceTypes.Contains(t, StringComparer.Ordinal));
                    if (unknown is not null)
                    {
                        throw Invalid($"_type names {unknown}, which this server does not store.", name);
                    }

                    break;
                case "_cursor":
                    cursor = PageLinks.ParseCursor(value);
                    continue;
                case "_format" or "_pretty":
                    continue;
                default:
                    throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.NotSupported,
                        $"Patient/$everything does not support the parameter '{name}' here.", name);
            }

            linkParameters.Add(new(name, value));
        }

        return (new EverythingRequest(count, since, types, cursor), linkParameters);
    }

    private static FhirException Invalid(string message, string parameter) =>
        new(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, message, parameter);
}
