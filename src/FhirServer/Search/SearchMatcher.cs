using Hl7.Fhir.Model;

namespace SeSPHR.FhirServer.Search;

/// <summary>
/// A search's conditions decided in memory for one resource, from the search values the indexer
/// extracts from it (<see cref="SearchIndex"/>), by the rules <see cref="SearchSql"/> writes in SQL:
/// token forms, references as <c>Type/id</c>, ids and absolute URLs, date prefixes on ranges,
/// string prefix, <c>:contains</c> and <c>:exact</c>, <c>:missing</c>, <c>:not</c>, <c>_id</c> and
/// <c>_lastUpdated</c>, and a parameter served by other parameters' rows (<see cref="SearchStorage"/>)
/// read from those rows. It serves resources that are not in the database yet: what a transaction
/// writes, before its commit. Every value is read when the matcher is built, with the SQL's 400s,
/// so an invalid value is refused whether or not any resource holds the parameter.
/// </summary>
public sealed class SearchMatcher
{
    private readonly List<Func<Candidate, bool>> _conditions;

    public SearchMatcher(SearchQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        _conditions = query.Conditions.Select(Compile).ToList();
        DependsOnReferences = query.Conditions.Any(c => c.Parameter.Type == SearchParamType.Reference);
    }

    /// <summary>
    /// Whether a condition reads reference values, which are right only once the resource's
    /// references to other entries of its Bundle have been rewritten to their targets.
    /// </summary>
    public bool DependsOnReferences { get; }

    /// <summary>Whether the resource with <paramref name="logicalId"/>, last updated at <paramref name="lastUpdated"/> and holding <paramref name="index"/>, matches every condition.</summary>
    public bool Matches(string logicalId, DateTime lastUpdated, SearchIndex index)
    {
        var candidate = new Candidate(logicalId, lastUpdated, index ?? throw new ArgumentNullException(nameof(index)));
        return _conditions.All(condition => condition(candidate));
    }

    private static Func<Candidate, bool> Compile(SearchCondition condition)
    {
        var parameter = condition.Parameter;
        if (condition.Modifier == "missing")
        {
            var missing = condition.WantsMissing;
            return candidate => HasValue(candidate.Index, parameter) != missing;
        }

        if (ReferenceEquals(parameter, CommonParameters.Id))
        {
            var ids = condition.Values.ToHashSet(StringComparer.Ordinal);
            var not = condition.Modifier == "not";
            return candidate => ids.Contains(candidate.LogicalId) != not;
        }

        if (ReferenceEquals(parameter, CommonParameters.LastUpdated))
        {
            var instants = condition.Values.Select(v => DateCriterion.Parse(v, parameter.Name)).ToList();
            return candidate => instants.Any(c => c.Matches(candidate.LastUpdated, candidate.LastUpdated.AddMilliseconds(1)));
        }

        var storage = parameter.Storage;
        var values = condition.Values;
        Func<Candidate, bool> exists = parameter.Type switch
        {
            SearchParamType.Token => Exists(values.Select(TokenCriterion.Parse), index => Tokens(index, storage), (c, row) => c.Matches(row)),
            SearchParamType.Reference => Exists(values.Select(v => ReferenceCriterion.Parse(v, condition.Modifier, parameter.Name)), index => References(index, storage), (c, row) => c.Matches(row)),
            SearchParamType.Date => Exists(values.Select(v => DateCriterion.Parse(v, parameter.Name)), index => Dates(index, storage), (c, row) => c.Matches(row.Low, row.High)),
            SearchParamType.String => Exists(values.Select(v => StringCriterion.Parse(v, condition.Modifier)), index => Strings(index, storage), (c, row) => c.Matches(row)),
            _ => throw new InvalidOperationException("unsupported parameter type " + parameter.Type),
        };
        return condition.Modifier == "not" ? candidate => !exists(candidate) : exists;
    }

    /// <summary>Some row of the parameter's storage matches some criterion: the SQL's EXISTS over ORed values. The criteria are read here, once.</summary>
    private static Func<Candidate, bool> Exists<TCriterion, TRow>(IEnumerable<TCriterion> values, Func<SearchIndex, IEnumerable<TRow>> rows, Func<TCriterion, TRow, bool> matches)
    {
        var criteria = values.ToList();
        return candidate => rows(candidate.Index).Any(row => criteria.Any(criterion => matches(criterion, row)));
    }

    /// <summary>Whether the parameter has a value at all (<c>:missing</c>): a row in the table of its type.</summary>
    private static bool HasValue(SearchIndex index, SearchParameter parameter) => parameter.Type switch
    {
        SearchParamType.Token => Tokens(index, parameter.Storage).Any(),
        SearchParamType.Reference => References(index, parameter.Storage).Any(),
        SearchParamType.Date => Dates(index, parameter.Storage).Any(),
        _ => Strings(index, parameter.Storage).Any(),
    };

    // The rows that hold a parameter stored as `storage`, as SearchSql.StoredIn selects them.
    private static IEnumerable<TokenValue> Tokens(SearchIndex index, SearchStorage storage) =>
        index.Tokens.Where(t => storage.Parameters.Contains(t.Parameter));

    private static IEnumerable<ReferenceValue> References(SearchIndex index, SearchStorage storage) =>
        index.References.Where(r => storage.Parameters.Contains(r.Parameter) && (storage.TargetType is null || r.TargetType == storage.TargetType));

    private static IEnumerable<DateValue> Dates(SearchIndex index, SearchStorage storage) =>
        index.Dates.Where(d => storage.Parameters.Contains(d.Parameter));

    private static IEnumerable<StringValue> Strings(SearchIndex index, SearchStorage storage) =>
        index.Strings.Where(s => storage.Parameters.Contains(s.Parameter));

    private sealed record Candidate(string LogicalId, DateTime LastUpdated, SearchIndex Index);
}
