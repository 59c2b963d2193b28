using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Features.Resources;
using SeSPHR.FhirServer.Http;

namespace SeSPHR.FhirServer.Search;

/// <summary>
/// A reference search value (search.html#reference): <c>Type/id</c> or an absolute URL (reduced to
/// its last two segments, as stored references are), or a bare id, of any type or of the type a
/// <c>:Type</c> modifier names.
/// </summary>
/// <param name="Type">The target type asked for; null for any.</param>
/// <param name="Id">The target id asked for.</param>
public sealed record ReferenceCriterion(string? Type, string Id)
{
    /// <summary>The target <paramref name="value"/> names; 400 when it is neither a reference nor an id.</summary>
    public static ReferenceCriterion Parse(string value, string? modifier, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (ReferenceTarget.TryParse(value, out var target))
        {
            return new ReferenceCriterion(target.Type, target.Id);
        }

        if (!ResourceIds.IsValid(value))
        {
            throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
                $"'{parameterName}' takes a reference such as Patient/123 or an id.", parameterName);
        }

        return new ReferenceCriterion(modifier, value);
    }

    /// <summary>What the SQL predicate on a search_reference row tests, for a value held in memory.</summary>
    public bool Matches(ReferenceValue reference) => reference.TargetId == Id && (Type is null || reference.TargetType == Type);
}
