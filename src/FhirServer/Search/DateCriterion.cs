using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Http;

namespace SeSPHR.FhirServer.Search;

/// <summary>The prefixes of search.html#prefix that dates take.</summary>
public enum DatePrefix
{
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Sa,
    Eb,
    Ap,
}

/// <summary>
/// A date search value (search.html#date): a prefix (<c>eq</c> when none is written) and the range
/// of instants its literal covers, compared with a stored value's range, whose upper bound is
/// exclusive (search.html#prefix).
/// </summary>
public sealed record DateCriterion(DatePrefix Prefix, FhirDateRange Range)
{
    /// <summary>The prefix and range of <paramref name="value"/>; 400 when it is not a FHIR date or the prefix is unknown.</summary>
    public static DateCriterion Parse(string value, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(value);
        var prefix = value.Length > 2 && char.IsAsciiLetterLower(value[0]) && char.IsAsciiLetterLower(value[1]) ? value[..2] : "eq";
        var literal = prefix == "eq" && !value.StartsWith("eq", StringComparison.Ordinal) ? value : value[2..];
        if (!FhirDateRange.TryParse(literal, out var range))
        {
            throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
                $"'{value}' is not a FHIR date for '{parameterName}'.", parameterName);
        }

        return Enum.TryParse<DatePrefix>(prefix, ignoreCase: true, out var known)
            ? new DateCriterion(known, range)
            : throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
                $"'{prefix}' is not a date prefix.", parameterName);
    }

    /// <summary>What the SQL predicate on a search_date row tests, for a value held in memory.</summary>
    public bool Matches(DateTime low, DateTime high) => Prefix switch
    {
        DatePrefix.Eq => low >= Range.Low && high <= Range.High,
        DatePrefix.Ne => !(low >= Range.Low && high <= Range.High),
        DatePrefix.Lt => low < Range.Low,
        DatePrefix.Le => low < Range.High,
        DatePrefix.Gt => high > Range.High,
        DatePrefix.Ge => high > Range.Low,
        DatePrefix.Sa => low >= Range.High,
        DatePrefix.Eb => high <= Range.Low,
        DatePrefix.Ap => low < Range.High && high > Range.Low,
        _ => throw new InvalidOperationException("unknown date prefix " + Prefix),
    };
}
