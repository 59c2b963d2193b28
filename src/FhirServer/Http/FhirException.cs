using Hl7.Fhir.Model;

namespace SeSPHR.FhirServer.Http;

/// <summary>
/// A request the server refuses, with the HTTP status and the OperationOutcome the client gets.
/// Diagnostics name what is wrong and where; they never echo a protected value.
/// </summary>
public sealed class FhirException : Exception
{
    public FhirException(int statusCode, OperationOutcome.IssueType code, string diagnostics, string? expression = null)
        : this(statusCode, OutcomeOf(code, diagnostics, expression))
    {
    }

    public FhirException(int statusCode, OperationOutcome outcome)
        : base(outcome.Issue.FirstOrDefault()?.Diagnostics ?? "request refused")
    {
        StatusCode = statusCode;
        Outcome = outcome;
    }

    public FhirException()
        : this(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, "bad request")
    {
    }

    public FhirException(string message)
        : this(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, message)
    {
    }

    public FhirException(string message, Exception innerException)
        : base(message, innerException)
    {
        StatusCode = StatusCodes.Status400BadRequest;
        Outcome = OutcomeOf(OperationOutcome.IssueType.Invalid, message, null);
    }

    public int StatusCode { get; }

    public OperationOutcome Outcome { get; }

    public static FhirException NotFound(string resourceType, string id) =>
        new(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, $"Resource {resourceType}/{id} is not known.");

    public static OperationOutcome OutcomeOf(OperationOutcome.IssueType code, string diagnostics, string? expression) =>
        new()
        {
            Issue =
            [
                new OperationOutcome.IssueComponent
                {
                    Severity = OperationOutcome.IssueSeverity.Error,
                    Code = code,
                    Diagnostics = diagnostics,
                    Expression = expression is null ? [] : [expression],
                },
            ],
        };
}
