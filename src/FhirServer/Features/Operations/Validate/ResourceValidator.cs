using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Terminology;
using Microsoft.Extensions.Options;
using SeSPHR.FhirServer.Http;

namespace SeSPHR.FhirServer.Features.Operations.Validate;

/// <summary>
/// Full validation against the FHIR R4 base definitions (the core package of
/// Hl7.Fhir.Specification.Data.R4) with the Firely validator: structure, cardinality, types,
/// required bindings and invariants, each problem with its FHIRPath location and never with the
/// value that broke the rule (<see cref="ValidationFindings"/>). Profiles named in
/// <c>meta.profile</c> are not followed; the server promises the base definitions only.
/// </summary>
/// <remarks>
/// One validator serves the process: building it and compiling the definitions into schemas
/// takes seconds, and the compiled schemas are cached inside it. The Firely validator is not safe
/// for concurrent use, so calls take turns. With <c>Fhir:ValidateOnWrite</c> the first write
/// waits for the warm-up that starts with the server.
/// </remarks>
public sealed class ResourceValidator
{
    private readonly Lazy<Validator> _validator = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly Lock _turn = new();

    /// <summary>The validator's findings; an information issue when there are none (an outcome has at least one issue).</summary>
    public OperationOutcome Validate(Resource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var profile = ModelInfo.CanonicalUriForFhirCoreType(resource.TypeName).Value;
        OperationOutcome outcome;
        lock (_turn)
        {
            outcome = _validator.Value.Validate(resource, profile);
        }

        outcome = ValidationFindings.WithoutValues(outcome);

        if (outcome.Issue.Count == 0)
        {
            outcome.Issue.Add(new OperationOutcome.IssueComponent
            {
                Severity = OperationOutcome.IssueSeverity.Information,
                Code = OperationOutcome.IssueType.Informational,
                Diagnostics = $"The {resource.TypeName} is valid against the FHIR R4 base definitions.",
            });
        }

        return outcome;
    }

    /// <summary>Refuses (422, with the outcome) a resource the validator finds errors in.</summary>
    public void RequireValid(Resource resource)
    {
        var outcome = Validate(resource);
        if (HasErrors(outcome))
        {
            throw new FhirException(StatusCodes.Status422UnprocessableEntity, outcome);
        }
    }

    public static bool HasErrors(OperationOutcome outcome) =>
        outcome.Issue.Any(issue => issue.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal);

    /// <summary>Builds the validator and compiles the schemas of the common base types.</summary>
    public void WarmUp() => Validate(new Patient { Active = true });

    private static Validator Build()
    {
        var resolver = new CachedResolver(ZipSource.CreateValidationSource());
        var settings = new ValidationSettings
        {
            // Validate against the base definition of the resource's type only.
            SelectValidationProfiles = (_, _, _, _) => [],
        };
        return new Validator(resolver, LocalTerminologyService.CreateDefaultForCore(resolver), null, settings);
    }
}

/// <summary>
/// <c>Fhir:ValidateOnWrite</c>: when set, every resource written (create, update, patch, Bundle
/// entries) is validated in full first and refused with 422 on errors.
/// </summary>
public sealed class WriteValidation(ResourceValidator validator, IOptions<FhirServerOptions> options)
{
    public bool Enabled => options.Value.ValidateOnWrite;

    public void Check(Resource resource)
    {
        if (Enabled)
        {
            validator.RequireValid(resource);
        }
    }
}

/// <summary>Starts building the validator at start-up when writes need it, so the first write does not wait as long.</summary>
public sealed partial class ValidatorWarmUp(ResourceValidator validator, WriteValidation writes, ILogger<ValidatorWarmUp> logger) : BackgroundService
{
    protected override async System.Threading.Tasks.Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!writes.Enabled)
        {
            return;
        }

        try
        {
            await System.Threading.Tasks.Task.Run(validator.WarmUp, stoppingToken);
        }
        catch (Exception failure) when (failure is not OperationCanceledException)
        {
            // Writes will fail with the same error; the log says why early.
            LogFailed(logger, failure);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The FHIR validator could not be built; Fhir:ValidateOnWrite refuses every write")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
