namespace SeSPHR.FhirServer.Search;

/// <summary>How a string search value is compared (search.html#string).</summary>
public enum StringMatch
{
    /// <summary>The default: a stored value starts with the value, case and accents folded.</summary>
    Prefix,

    /// <summary><c>:contains</c>: a stored value holds the value anywhere, case and accents folded.</summary>
    Contains,

    /// <summary><c>:exact</c>: a stored value is the value as written.</summary>
    Exact,
}

/// <summary>
/// A string search value: the text compared, folded as <see cref="SearchIndexer.Normalize"/> folds
/// stored values unless the match is exact.
/// </summary>
public sealed record StringCriterion(StringMatch Match, string Text)
{
    public static StringCriterion Parse(string value, string? modifier) => modifier switch
    {
        "exact" => new StringCriterion(StringMatch.Exact, value),
        "contains" => new StringCriterion(StringMatch.Contains, SearchIndexer.Normalize(value)),
        _ => new StringCriterion(StringMatch.Prefix, SearchIndexer.Normalize(value)),
    };

    /// <summary>What the SQL predicate on a search_string row tests (LIKE compares characters, case-sensitively), for a value held in memory.</summary>
    public bool Matches(StringValue value) => Match switch
    {
        StringMatch.Exact => value.Raw == Text,
        StringMatch.Contains => value.Value.Contains(Text, StringComparison.Ordinal),
        _ => value.Value.StartsWith(Text, StringComparison.Ordinal),
    };
}
