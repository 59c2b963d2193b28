using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Http;

namespace SeSPHR.FhirServer.Search;

/// <summary>A parsed search: conditions (ANDed; each holds ORed values) and result controls.</summary>
public sealed class SearchQuery
{
    public required string ResourceType { get; init; }

    public List<SearchCondition> Conditions { get; } = [];

    public int Count { get; set; } = SearchLimits.DefaultCount;

    public SortOrder? Sort { get; set; }

    public List<IncludeRequest> Includes { get; } = [];

    public List<IncludeRequest> RevIncludes { get; } = [];

    public SummaryMode Summary { get; set; }

    public IReadOnlyList<string>? Elements { get; set; }

    public TotalMode Total { get; set; } = TotalMode.Bounded;

    public PageCursor? Cursor { get; set; }

    /// <summary>Parameters that were ignored under lenient handling, with the reason, for the Bundle's outcome.</summary>
    public List<string> Ignored { get; } = [];

    /// <summary>The query string without paging state, to build links from.</summary>
    public List<KeyValuePair<string, string>> LinkParameters { get; } = [];
}

public static class SearchLimits
{
    public const int DefaultCount = 20;
    public const int MaxCount = 1000;
    public const int MaxIncluded = 1000;

    /// <summary>
    /// Without <c>_total=accurate</c>, Bundle.total is given only when there are at most this many
    /// matches: counting a large record costs a pass over every match (and every access-filter
    /// check) on every page, which the page itself, keyset-paged, never needs (HAPI and Microsoft's
    /// FHIR server likewise count only when asked).
    /// </summary>
    public const int CountedByDefault = 100;
}

/// <summary>One search parameter with its modifier and ORed values.</summary>
public sealed record SearchCondition(SearchParameter Parameter, string? Modifier, IReadOnlyList<string> Values)
{
    /// <summary>For <c>:missing</c>: true asks for resources without a value of the parameter, false for those with one.</summary>
    public bool WantsMissing => Values[0] switch
    {
        "true" => true,
        "false" => false,
        _ => throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
            ":missing takes true or false.", Parameter.Name),
    };
}

public sealed record SortOrder(string Parameter, bool Descending)
{
    /// <summary>The rows that hold the sort parameter's dates.</summary>
    public SearchStorage Storage { get; init; } = new([Parameter], null);
}

/// <summary><c>_include=Source:param[:Target]</c> or <c>_revinclude=Source:param[:Target]</c>.</summary>
public sealed record IncludeRequest(string SourceType, string Parameter, string? TargetType)
{
    /// <summary>The rows that hold the parameter's references.</summary>
    public SearchStorage Storage { get; init; } = new([Parameter], null);
}

public enum SummaryMode
{
    None,
    Count,
    True,
    Text,
    Data,
    False,
}

public enum TotalMode
{
    /// <summary>The default and <c>_total=estimate</c>: the exact total when it is at most <see cref="SearchLimits.CountedByDefault"/>, else none.</summary>
    Bounded,

    /// <summary><c>_total=accurate</c>: always the exact total.</summary>
    Accurate,

    /// <summary><c>_total=none</c>.</summary>
    None,
}

/// <summary>
/// Where a page starts: the sort key and id of the last (or, going back, first) resource of the
/// neighbouring page, and the instant the search was first run, so later pages ignore what was
/// written since and the links keep pointing at the same result set.
/// </summary>
public sealed record PageCursor(DateTime Snapshot, DateTime SortKey, string Id, bool Backwards);

/// <summary>Values shared by parser and SQL: the resource-level parameters every type has.</summary>
public static class CommonParameters
{
    public static readonly SearchParameter Id = new("*", "_id", SearchParamType.Token, [], []);
    public static readonly SearchParameter LastUpdated = new("*", "_lastUpdated", SearchParamType.Date, [], []);
}
