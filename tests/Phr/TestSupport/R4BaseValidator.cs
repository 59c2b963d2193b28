using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Terminology;

namespace SeSPHR.Phr.Tests.TestSupport;

/// <summary>
/// The Firely validator over the R4 core package (specification.zip from
/// Hl7.Fhir.Specification.Data.R4), validating against the base definition of the resource's
/// type only: meta.profile (US Core in Synthea data) is ignored, since the design promises
/// validity against the R4 base definitions. Building it and compiling each type's schema takes
/// seconds, so every validating test class shares one instance through the
/// <see cref="SharedR4Validator"/>; the validator is not thread-safe, and the classes of one
/// collection run one after another.
/// </summary>
public sealed class R4BaseValidator
{
    private readonly Validator _validator;

    public R4BaseValidator()
    {
        var resolver = new CachedResolver(ZipSource.CreateValidationSource());
        var settings = new ValidationSettings
        {
            SelectValidationProfiles = (_, _, _, _) => [],
        };
        _validator = new Validator(resolver, LocalTerminologyService.CreateDefaultForCore(resolver), null, settings);
    }

    /// <summary>The error and fatal issues, as "location: message" lines.</summary>
    public IReadOnlyList<string> Errors(Resource resource)
    {
        var outcome = _validator.Validate(resource, Hl7.Fhir.Model.ModelInfo.CanonicalUriForFhirCoreType(resource.TypeName).Value);
        return outcome.Issue
            .Where(issue => issue.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal)
            .Select(issue => $"{string.Join(",", issue.Expression)}: {issue.Details?.Text ?? issue.Diagnostics}")
            .ToList();
    }
}

/// <summary>The test classes that validate against the R4 base definitions, sharing one validator.</summary>
[CollectionDefinition(Name)]
public sealed class SharedR4Validator : ICollectionFixture<R4BaseValidator>
{
    public const string Name = "R4 base validation";
}
