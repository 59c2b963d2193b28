using System.Text.Json;
using System.Xml;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.Extensions.Options;
using SeSPHR.FhirServer.Features.Access;
using SeSPHR.FhirServer.Features.Resources;
using SeSPHR.FhirServer.Features.Resources.Protection;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Features.Operations.Validate;

/// <summary>
/// <c>$validate</c> (FHIR R4 resource-operation-validate): <c>POST [base]/[type]/$validate</c> with
/// the resource, or a Parameters holding it as <c>resource</c>, and <c>GET [base]/[type]/[id]/$validate</c>
/// for a stored one. The answer is 200 with an OperationOutcome whenever validation ran, valid or
/// not; its issues carry FHIRPath locations in <c>expression</c> and never a submitted value, and in
/// the protected configuration a protected element sent in clear is an error, as a write refuses it. A body that is not JSON or XML
/// at all is a bad request (400).
/// </summary>
public sealed class ValidateHandler(
    IResourceStore store,
    ResourceValidator validator,
    FhirSerialization serialization,
    OperationRegistry operations,
    DisclosurePolicy disclosure,
    ProtectedSectionGuard guard,
    ResponseShaper shaper,
    IOptions<FhirServerOptions> options)
{
    private static readonly FhirJsonDeserializer LenientJson = new(new DeserializerSettings().UsingMode(DeserializationMode.Recoverable));
    private static readonly FhirXmlDeserializer LenientXml = new(new DeserializerSettings().UsingMode(DeserializationMode.Recoverable));

    public async Task<FhirResult> ValidateBodyAsync(HttpRequest request, string resourceType, CancellationToken cancellationToken)
    {
        operations.Require(resourceType, FhirOperation.Validate);
        var format = FhirFormats.ForRequestBody(request);
        var body = await FhirRequest.ReadBodyAsync(request, options.Value, cancellationToken);

        Resource? parsed;
        OperationOutcome? parserFindings = null;
        try
        {
            parsed = serialization.ParseResource(body, format);
        }
        catch (FhirException unparsable) when (IsValidationFinding(unparsable))
        {
            // Unknown elements, wrong types, missing required elements: findings of $validate like
            // the validator's. What could be read is validated too, so invariants are reported as well.
            parserFindings = unparsable.Outcome;
            parsed = ReadLeniently(body, format);
        }

        if (parsed is null)
        {
            return FhirResult.Of(StatusCodes.Status200OK, parserFindings!);
        }

        var profile = request.Query["profile"].ToString();
        var resource = parsed;
        if (parsed is Parameters parameters && resourceType != "Parameters")
        {
            resource = parameters.Parameter.FirstOrDefault(p => p.Name == "resource")?.Resource
                ?? throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Required,
                    "A Parameters body of $validate holds the resource in a parameter named 'resource'.", "Parameters.parameter");
            profile = parameters.Parameter.FirstOrDefault(p => p.Name == "profile")?.Value?.ToString() ?? profile;
        }

        if (resource.TypeName != resourceType)
        {
            throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
                $"The body holds a {resource.TypeName}, but the URL names {resourceType}.", "resourceType");
        }

        if (profile.Length > 0 && profile != ModelInfo.CanonicalUriForFhirCoreType(resourceType).Value)
        {
            throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.NotSupported,
                "This server validates against the FHIR R4 base definitions only; other profiles are not supported.", "profile");
        }

        var outcome = validator.Validate(resource);
        outcome = WithProtectionFindings(outcome, resource);
        if (parserFindings is not null)
        {
            var located = parserFindings.Issue.SelectMany(issue => issue.Expression).ToHashSet(StringComparer.Ordinal);
            var findings = parserFindings.Issue
                .Concat(outcome.Issue.Where(issue => issue.Severity != OperationOutcome.IssueSeverity.Information
                    && !issue.Expression.Any(located.Contains)))
                .ToList();
            outcome = new OperationOutcome { Issue = findings };
        }

        return FhirResult.Of(StatusCodes.Status200OK, outcome);
    }

    public async Task<FhirResult> ValidateStoredAsync(string resourceType, string id, CancellationToken cancellationToken)
    {
        operations.Require(resourceType, FhirOperation.Validate);
        ResourceIds.Require(id);
        var stored = await store.ReadAsync(resourceType, id, cancellationToken);
        if (stored is null || !await disclosure.MayDiscloseAsync(stored, cancellationToken))
        {
            throw FhirException.NotFound(resourceType, id);
        }

        if (stored.IsDeleted)
        {
            throw StoredResponses.Gone(resourceType, id);
        }

        // What is validated is what the caller may read of it, and validating it is a read: shaped and audited.
        var readable = await shaper.ShapeAsync(stored, "read", cancellationToken);
        return FhirResult.Of(StatusCodes.Status200OK, validator.Validate(serialization.ParseStored(readable.Json!)));
    }

    /// <summary>The write rule for protected elements, as findings: a resource $validate passes is one a write accepts.</summary>
    private OperationOutcome WithProtectionFindings(OperationOutcome outcome, Resource resource)
    {
        var findings = guard.FindingsOf(resource);
        if (findings.Count == 0)
        {
            return outcome;
        }

        return new OperationOutcome
        {
            Issue = [.. findings, .. outcome.Issue.Where(issue => issue.Severity != OperationOutcome.IssueSeverity.Information)],
        };
    }

    /// <summary>What the recoverable parser makes of a body the strict one refused, or null.</summary>
    private static Resource? ReadLeniently(byte[] body, FhirFormat format)
    {
        Resource? resource;
        if (format == FhirFormat.Json)
        {
            var reader = new Utf8JsonReader(body);
            LenientJson.TryDeserializeResource(ref reader, out resource, out _);
        }
        else
        {
            using var xml = XmlReader.Create(new MemoryStream(body), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            LenientXml.TryDeserializeResource(xml, out resource, out _);
        }

        return resource;
    }

    /// <summary>The parser understood the body as FHIR but found problems in it (not malformed, not empty).</summary>
    private static bool IsValidationFinding(FhirException refusal) =>
        refusal.StatusCode == StatusCodes.Status400BadRequest
        && refusal.Outcome.Issue.Count > 0
        && refusal.Outcome.Issue.All(issue => issue.Code == OperationOutcome.IssueType.Invalid);
}
