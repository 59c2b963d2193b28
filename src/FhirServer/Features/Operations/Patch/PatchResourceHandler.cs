using System.Text;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using SeSPHR.FhirServer.Features.Access;
using SeSPHR.FhirServer.Features.Resources;
using SeSPHR.FhirServer.Features.Resources.Search;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Features.Operations.Patch;

/// <summary>
/// FHIR patch (<c>PATCH [base]/[type]/[id]</c>, or <c>PATCH [base]/[type]?[search]</c> for the one
/// resource a search finds): a JSON Patch (<c>application/json-patch+json</c>)
/// applied to the stored JSON, or a FHIRPath Patch (a Parameters resource) applied to the model.
/// The result is parsed strictly again and stored as a new version through the same writer as an
/// update, so it gets the same checks, meta and search values; a result that is not a valid
/// resource of the same type and id is refused with 422 and nothing is written. A caller who may
/// not read and write the stored resource is refused (403) before the patch is applied, as for an
/// id with nothing stored under it. <c>If-Match</c>
/// pins the version the patch was made against (412 when stale). Without it, a patch that races
/// another write is applied again to the newer version, as it would have been had it come later.
/// </summary>
public sealed class PatchResourceHandler(
    IResourceStore store,
    ResourceWriter writer,
    FhirSerialization serialization,
    ResourceRegistry registry,
    SearchHandler search,
    ResponseShaper shaper,
    IOptions<FhirServerOptions> options)
{
    private const int Attempts = 3;

    public async Task<FhirResult> HandleAsync(HttpRequest request, string resourceType, string id, CancellationToken cancellationToken)
    {
        registry.Require(resourceType, FhirInteraction.Patch);
        ResourceIds.Require(id);
        var patch = await ReadPatchAsync(request, cancellationToken);
        return await PatchAsync(request, resourceType, id, patch, cancellationToken);
    }

    /// <summary>
    /// Conditional patch (<c>PATCH [base]/[type]?[search]</c>, http.html#patch): the one resource the
    /// search finds is patched; none is 404, several are 412. The search sees only what the caller
    /// may read, so a withheld resource answers as no match.
    /// </summary>
    public async Task<FhirResult> HandleConditionalAsync(HttpRequest request, string resourceType, CancellationToken cancellationToken)
    {
        registry.Require(resourceType, FhirInteraction.ConditionalPatch);
        var condition = search.ParseCondition(resourceType, request.QueryString.Value ?? "");
        var patch = await ReadPatchAsync(request, cancellationToken);
        var match = await search.FindConditionalAsync(condition, cancellationToken) ?? throw NoMatch(resourceType);
        return await PatchAsync(request, resourceType, match.LogicalId, patch, cancellationToken);
    }

    /// <summary>What a conditional patch whose condition finds nothing answers (also inside Bundles).</summary>
    internal static FhirException NoMatch(string resourceType) =>
        new(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, $"No {resourceType} matches the condition.");

    private async Task<FhirResult> PatchAsync(HttpRequest request, string resourceType, string id, PatchDocument patch, CancellationToken cancellationToken)
    {
        var pinned = StoredResponses.IfMatchVersion(request);
        for (var attempt = 1; ; attempt++)
        {
            // A caller who may not read and write what is stored learns nothing of it, not even whether it is there.
            var current = await store.ReadAsync(resourceType, id, cancellationToken);
            await writer.AuthorizeAsync(resourceType, id, WriteKind.Patch, current, cancellationToken);
            if (current is null)
            {
                throw FhirException.NotFound(resourceType, id);
            }

            if (current.IsDeleted)
            {
                throw StoredResponses.Gone(resourceType, id);
            }

            var patched = Apply(patch, current, resourceType, id);

            // Protected sections: the patched resource keeps the stored envelopes, and the writer's
            // ProtectedSectionGuard checks it like any update: a protected element put in clear is
            // refused, and every sealed section must still verify against the patched bound clear
            // fields (BoundFields), so a patch that changes one is refused (422) unless it brings a
            // re-signed envelope. Checks that need the version before the patch go here.
            try
            {
                var (write, _) = await writer.UpdateAsync(patched, id, current, pinned ?? current.VersionId, cancellationToken);
                await store.CommitAsync([write], cancellationToken);
                var served = await shaper.ShapeWrittenAsync(write.Resource, FhirRequest.ReturnPreferenceOf(request), cancellationToken);
                return StoredResponses.Written(request, FhirRequest.BaseUrl(request, options.Value), served, StatusCodes.Status200OK);
            }
            catch (Exception raced) when (raced is ConcurrentWriteException or FhirException { StatusCode: StatusCodes.Status412PreconditionFailed })
            {
                if (pinned is not null)
                {
                    // The version the client patched is no longer current.
                    throw new FhirException(StatusCodes.Status412PreconditionFailed, OperationOutcome.IssueType.Conflict,
                        $"{resourceType}/{id} is not at version {pinned} (If-Match).");
                }

                if (attempt == Attempts)
                {
                    throw new FhirException(StatusCodes.Status409Conflict, OperationOutcome.IssueType.Conflict,
                        "The resource kept changing while the patch was applied; read it again and retry.");
                }

                // Another write landed since we read; patch the newer version.
            }
        }
    }

    /// <summary>The patched resource, parsed strictly; also used for PATCH entries of batch and transaction Bundles.</summary>
    internal Resource Apply(PatchDocument patch, StoredResource current, string resourceType, string id)
    {
        Resource patched;
        if (patch.Json is { } jsonPatch)
        {
            var document = JsonNode.Parse(current.Json!)!;
            var result = JsonPatch.Apply(document, jsonPatch);
            patched = Reparse(Encoding.UTF8.GetBytes(result.ToJsonString()), resourceType);
        }
        else
        {
            patched = serialization.ParseStored(current.Json!);
            FhirPathPatch.Apply(patched, patch.FhirPath!);
            patched = Reparse(serialization.SerializeToJsonUtf8(patched), resourceType);
        }

        if (patched.TypeName != resourceType || patched.Id != id)
        {
            throw new FhirException(StatusCodes.Status422UnprocessableEntity, OperationOutcome.IssueType.Processing,
                $"A patch cannot change the resource's type or id (it would be {patched.TypeName}/{patched.Id}).", $"{resourceType}.id");
        }

        return patched;
    }

    /// <summary>The patched document through the strict parser: what is stored is a valid resource.</summary>
    private Resource Reparse(byte[] json, string resourceType)
    {
        try
        {
            return serialization.ParseResource(json, FhirFormat.Json);
        }
        catch (FhirException invalid) when (invalid.StatusCode == StatusCodes.Status400BadRequest)
        {
            var outcome = invalid.Outcome;
            outcome.Issue.Insert(0, new OperationOutcome.IssueComponent
            {
                Severity = OperationOutcome.IssueSeverity.Error,
                Code = OperationOutcome.IssueType.Processing,
                Diagnostics = $"The patch does not leave a valid {resourceType}; nothing was changed.",
            });
            throw new FhirException(StatusCodes.Status422UnprocessableEntity, outcome);
        }
    }

    private async Task<PatchDocument> ReadPatchAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var isJsonPatch = MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            && contentType.MediaType.Equals(JsonPatch.MediaType, StringComparison.OrdinalIgnoreCase);
        var format = isJsonPatch ? FhirFormat.Json : FhirFormats.ForRequestBody(request);
        var body = await FhirRequest.ReadBodyAsync(request, options.Value, cancellationToken);
        if (isJsonPatch)
        {
            return new PatchDocument(body, null);
        }

        return serialization.ParseResource(body, format) is Parameters parameters
            ? new PatchDocument(null, parameters)
            : throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
                $"A FHIR body of a patch is a FHIRPath Patch (a Parameters resource); for JSON Patch use Content-Type {JsonPatch.MediaType}.",
                "resourceType");
    }

    internal sealed record PatchDocument(byte[]? Json, Parameters? FhirPath);
}
