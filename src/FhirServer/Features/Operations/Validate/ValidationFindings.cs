using System.Text.RegularExpressions;
using Hl7.Fhir.Model;

namespace SeSPHR.FhirServer.Features.Operations.Validate;

/// <summary>
/// The validator's findings as the client may see them: where (the FHIRPath location), which rule
/// (the validator's issue number, an invariant's key) and what kind of problem, never the text that
/// broke the rule. The validator's own messages quote values ("Value 'x' does not match regex",
/// "Code 'x' does not exist in the value set"), and a value that breaks a rule may be a protected
/// value sent in clear, so every message is rewritten from those parts rather than filtered.
/// </summary>
public static partial class ValidationFindings
{
    private const string FirelyIssueSystem = "http://hl7.org/fhir/dotnet-api-operation-outcome";

    public static OperationOutcome WithoutValues(OperationOutcome outcome)
    {
        var rewritten = new OperationOutcome();
        foreach (var issue in outcome.Issue)
        {
            var rule = issue.Details?.Coding.FirstOrDefault(c => c.System == FirelyIssueSystem)?.Code;
            var expressions = issue.Expression.Concat(issue.Location).OfType<string>().Select(WithoutQuotedText).Distinct(StringComparer.Ordinal).ToList();
            var text = Describe(issue, InvariantKey(issue), expressions.FirstOrDefault());
            rewritten.Issue.Add(new OperationOutcome.IssueComponent
            {
                Severity = issue.Severity,
                Code = issue.Code,
                Details = new CodeableConcept { Coding = rule is null ? [] : [new Coding(FirelyIssueSystem, rule)], Text = text },
                Diagnostics = text,
                Expression = expressions,
            });
        }

        return rewritten;
    }

    private static string Describe(OperationOutcome.IssueComponent issue, string? invariant, string? location)
    {
        var what = invariant is not null
            ? $"invariant {invariant} is not satisfied"
            : issue.Code switch
            {
                OperationOutcome.IssueType.Required => "a required element is missing, or an element occurs more often than allowed",
                OperationOutcome.IssueType.CodeInvalid => "the code is not one the element's binding allows",
                OperationOutcome.IssueType.Structure => "the element does not have the structure its definition requires",
                OperationOutcome.IssueType.Value => "the value is not allowed for this element",
                OperationOutcome.IssueType.Invariant => "an invariant is not satisfied",
                OperationOutcome.IssueType.NotSupported => "this content is not supported",
                OperationOutcome.IssueType.Informational => "information from the validator",
                _ => "the element is not valid against the FHIR R4 base definitions",
            };
        return location is null ? $"The resource: {what} (value withheld)." : $"{location}: {what} (value withheld).";
    }

    /// <summary>The key of a failed invariant (<c>obs-6</c>, <c>ele-1</c>): a name from the definitions, not from the instance.</summary>
    private static string? InvariantKey(OperationOutcome.IssueComponent issue)
    {
        var message = issue.Details?.Text ?? issue.Diagnostics ?? "";
        var match = FailedConstraint().Match(message);
        return match.Success ? match.Groups["key"].Value : null;
    }

    /// <summary>A location never carries a quoted value either (<c>extension('url')</c> becomes <c>extension(…)</c>).</summary>
    private static string WithoutQuotedText(string expression) => QuotedText().Replace(expression, "…");

    [GeneratedRegex(@"constraint (?<key>[a-z][a-z0-9]{0,15}-[0-9]{1,4})\b", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex FailedConstraint();

    [GeneratedRegex("""'[^']*'|"[^"]*"|`[^`]*`""", RegexOptions.CultureInvariant)]
    private static partial Regex QuotedText();
}
