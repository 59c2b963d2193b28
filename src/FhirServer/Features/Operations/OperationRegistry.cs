using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Features.Resources;
using SeSPHR.FhirServer.Http;

namespace SeSPHR.FhirServer.Features.Operations;

/// <summary>A FHIR operation the server implements, with the canonical URL of its definition.</summary>
public sealed record FhirOperation(string Name, string Definition)
{
    public static FhirOperation Validate { get; } = new("validate", "http://hl7.org/fhir/OperationDefinition/Resource-validate");

    public static FhirOperation Everything { get; } = new("everything", "http://hl7.org/fhir/OperationDefinition/Patient-everything");
}

/// <summary>
/// Which operations each resource type serves: <c>$validate</c> on every type the server stores,
/// <c>$everything</c> on Patient. The operation endpoints check it before anything else and the
/// CapabilityStatement lists it, so the two can never disagree.
/// </summary>
public sealed class OperationRegistry
{
    private readonly Dictionary<string, IReadOnlyList<FhirOperation>> _byType;

    public OperationRegistry(ResourceRegistry resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        _byType = resources.ResourceTypes.ToDictionary(
            type => type,
            IReadOnlyList<FhirOperation> (type) => type == "Patient" ? [FhirOperation.Validate, FhirOperation.Everything] : [FhirOperation.Validate],
            StringComparer.Ordinal);
    }

    public IReadOnlyList<FhirOperation> OperationsOf(string resourceType) =>
        _byType.TryGetValue(resourceType, out var operations) ? operations : [];

    /// <summary>Refuses (404) an operation on a type the server does not store, or that the type does not have here.</summary>
    public void Require(string resourceType, FhirOperation operation)
    {
        if (!_byType.TryGetValue(resourceType, out var operations))
        {
            throw new FhirException(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotSupported,
                ModelInfo.IsKnownResource(resourceType)
                    ? $"Resource type {resourceType} is not supported by this server."
                    : $"{resourceType} is not a FHIR R4 resource type.");
        }

        if (!operations.Contains(operation))
        {
            throw new FhirException(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotSupported,
                $"The ${operation.Name} operation is not defined for {resourceType} on this server.");
        }
    }
}
