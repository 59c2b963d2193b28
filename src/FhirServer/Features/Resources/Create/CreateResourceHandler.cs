using System.Globalization;
using System.Text;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Features.Resources.Create;

/// <summary>
/// FHIR create (<c>POST [base]/[type]</c>): the server assigns the id and version 1, stores the
/// resource and its first history entry in one transaction, then answers 201.
/// </summary>
public sealed class CreateResourceHandler(
    IResourceStore store,
    FhirSerialization serialization,
    ResourceRegistry registry,
    TimeProvider clock,
    IOptions<FhirServerOptions> options)
{
    public async Task<FhirResult> HandleAsync(HttpRequest request, string resourceType, CancellationToken cancellationToken)
    {
        registry.Require(resourceType, FhirInteraction.Create);
        var format = FhirFormats.ForRequestBody(request);
        var body = await FhirRequest.ReadBodyAsync(request, options.Value, cancellationToken);
        var resource = serialization.ParseResource(body, format, resourceType);

        // FHIR http.html#create: a client-supplied id is ignored; the server assigns one.
        // Version-7 UUIDs are time-ordered, which keeps the primary key index compact.
        resource.Id = Guid.CreateVersion7().ToString();
        var now = TruncateToMilliseconds(clock.GetUtcNow());
        resource.Meta ??= new Meta();
        resource.Meta.VersionId = "1";
        resource.Meta.LastUpdated = now;

        var stored = new StoredResource
        {
            Id = StoredResource.KeyOf(resourceType, resource.Id),
            ResourceType = resourceType,
            LogicalId = resource.Id,
            VersionId = 1,
            LastUpdated = now,
            Json = Encoding.UTF8.GetString(serialization.SerializeToJsonUtf8(resource)),
        };
        await store.CreateAsync(stored, cancellationToken);

        var location = $"{FhirRequest.BaseUrl(request, options.Value)}/{resourceType}/{resource.Id}/_history/1";
        var preference = FhirRequest.ReturnPreferenceOf(request);
        var result = preference switch
        {
            ReturnPreference.Minimal => FhirResult.Empty(StatusCodes.Status201Created),
            ReturnPreference.OperationOutcome => FhirResult.Of(StatusCodes.Status201Created, Created(resourceType, resource.Id)),
            _ => FhirResult.OfStored(StatusCodes.Status201Created, stored.Json),
        };
        return result with { Location = location, VersionId = stored.VersionId, LastModified = stored.LastUpdated };
    }

    private static OperationOutcome Created(string resourceType, string id) => new()
    {
        Issue =
        [
            new OperationOutcome.IssueComponent
            {
                Severity = OperationOutcome.IssueSeverity.Information,
                Code = OperationOutcome.IssueType.Informational,
                Diagnostics = string.Create(CultureInfo.InvariantCulture, $"Created {resourceType}/{id} version 1."),
            },
        ],
    };

    private static DateTimeOffset TruncateToMilliseconds(DateTimeOffset value) =>
        new(value.Ticks - (value.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
}
