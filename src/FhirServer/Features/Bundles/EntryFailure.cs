using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Http;

namespace SeSPHR.FhirServer.Features.Bundles;

/// <summary>Names the Bundle entry a refusal is about, so a client can find it among thousands.</summary>
public static class EntryFailure
{
    /// <summary>
    /// The same refusal with each issue located in entry <paramref name="index"/>: diagnostics start with
    /// <c>Bundle.entry[i]</c>, and expressions on the entry's resource (<c>Patient.id</c>) become
    /// <c>Bundle.entry[i].resource.id</c>.
    /// </summary>
    public static FhirException At(int index, string? resourceType, FhirException failure)
    {
        var entry = $"Bundle.entry[{index.ToString(System.Globalization.CultureInfo.InvariantCulture)}]";
        var outcome = new OperationOutcome();
        foreach (var issue in failure.Outcome.Issue)
        {
            var located = (OperationOutcome.IssueComponent)issue.DeepCopy();
            located.Diagnostics = $"{entry}: {issue.Diagnostics}";
            var expressions = issue.Expression.OfType<string>().ToList();
            located.Expression = expressions.Count == 0
                ? [entry]
                : expressions.Select(expression => Locate(entry, resourceType, expression)).ToList();
            outcome.Issue.Add(located);
        }

        return new FhirException(failure.StatusCode, outcome);
    }

    private static string Locate(string entry, string? resourceType, string expression)
    {
        if (resourceType is not null && (expression == resourceType || expression.StartsWith(resourceType + ".", StringComparison.Ordinal)))
        {
            return $"{entry}.resource{expression[resourceType.Length..]}";
        }

        return expression.StartsWith("request", StringComparison.Ordinal) || expression.StartsWith("resource", StringComparison.Ordinal)
            ? $"{entry}.{expression}"
            : entry;
    }
}
