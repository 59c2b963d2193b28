using System.Globalization;
using System.Text;
using Hl7.Fhir.Model;
using Npgsql;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Search;

/// <summary>
/// Builds parameterised SQL for a search over the current-resource table and the search-value
/// tables. Every value is a parameter; names and aliases are fixed text. The access filter is
/// one more condition in the same WHERE clause, so totals and pages never count what it hides.
/// </summary>
public sealed class SearchSql
{
    public const string Resources = "fhir.mt_doc_storedresource";
    public const string Versions = "fhir.mt_doc_storedresourceversion";

    private readonly List<NpgsqlParameter> _parameters = [];

    public IReadOnlyList<NpgsqlParameter> Parameters => _parameters;

    public string Add(object? value)
    {
        _parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        return "$" + _parameters.Count.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The rows of a query built here, planned for its parameters' values. Connections run one
    /// generic plan per prepared statement (StorageServiceCollectionExtensions), which suits
    /// look-ups by key but not searches: one generic plan cannot tell a patient with 20,000
    /// Observations from one with 20 (a 20-row page took 215 ms instead of 0.35 ms). The setting
    /// is local to the batch's implicit transaction, so it ends with the query.
    /// </summary>
    public async Task<List<T>> ReadAsync<T>(NpgsqlDataSource dataSource, string text, Func<NpgsqlDataReader, T> row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(row);
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("select set_config('plan_cache_mode', 'force_custom_plan', true)"));
        var query = new NpgsqlBatchCommand(text);
        query.Parameters.AddRange(_parameters.ToArray());
        batch.BatchCommands.Add(query);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(row(reader));
        }

        return rows;
    }

    /// <summary>The first column of the first row, planned as <see cref="ReadAsync"/> plans.</summary>
    public async Task<object?> ScalarAsync(NpgsqlDataSource dataSource, string text, CancellationToken cancellationToken) =>
        (await ReadAsync(dataSource, text, reader => reader.IsDBNull(0) ? null : reader.GetValue(0), cancellationToken)).FirstOrDefault();

    /// <summary>The WHERE clause (without cursor) for the resources a query matches.</summary>
    public string Where(SearchQuery query, DateTime snapshot, string? accessFilter)
    {
        var clauses = new List<string>
        {
            $"r.resource_type = {Add(query.ResourceType)}",
            "NOT r.is_deleted",
            $"r.last_updated <= {Add(snapshot)}",
        };
        var table = ResourceTable.Of(query.ResourceType);
        clauses.AddRange(query.Conditions.Select(condition => Condition(condition, query.ResourceType, table)));
        if (accessFilter is not null)
        {
            clauses.Add($"({accessFilter})");
        }

        return string.Join(" AND ", clauses);
    }

    /// <summary>The expression the page is ordered by (never null, so keyset comparisons work).</summary>
    public string SortKey(SearchQuery query)
    {
        if (query.Sort is not { Parameter: not "_lastUpdated" } sort)
        {
            return "r.last_updated";
        }

        const string Earliest = "'0001-01-01T00:00:00Z'::timestamptz";
        var table = ResourceTable.Of(query.ResourceType);
        if (table.IsAuditTrail)
        {
            // An AuditEvent's one date (recorded) is a column of its row, never null, and indexed
            // with the patient: a page in date order reads the index, no sort key per match.
            return sort.Storage.Parameters.Contains("date") ? "r.date_low" : Earliest;
        }

        return $"COALESCE((SELECT min(x.low) FROM {table.Values(SearchParamType.Date, "r")} {StoredIn(sort.Storage, "x")}), {Earliest})";
    }

    /// <summary>The condition on a search-value row (alias <paramref name="alias"/>) that it holds a value of a parameter stored as <paramref name="storage"/>.</summary>
    public string StoredIn(SearchStorage storage, string alias)
    {
        var names = storage.Parameters is [var only] ? $"{alias}.param = {Add(only)}" : $"{alias}.param = ANY({Add(storage.Parameters.ToArray())})";
        return storage.TargetType is { } type ? $"{names} AND {alias}.target_type = {Add(type)}" : names;
    }

    private string Condition(SearchCondition condition, string resourceType, ResourceTable table)
    {
        var parameter = condition.Parameter;
        if (condition.Modifier == "missing")
        {
            return $"{(condition.WantsMissing ? "NOT " : "")}EXISTS (SELECT 1 FROM {table.Values(parameter.Type, "r")} {StoredIn(parameter.Storage, "x")})";
        }

        if (ReferenceEquals(parameter, CommonParameters.Id))
        {
            // By the primary key ({type}/{id}): a search always names its type.
            var ids = $"r.id = ANY({Add(condition.Values.Select(id => StoredResource.KeyOf(resourceType, id)).ToArray())})";
            return condition.Modifier == "not" ? $"NOT ({ids})" : ids;
        }

        if (ReferenceEquals(parameter, CommonParameters.LastUpdated))
        {
            return "(" + string.Join(" OR ", condition.Values.Select(v => DatePredicate(DateCriterion.Parse(v, parameter.Name), "r.last_updated", "(r.last_updated + interval '1 millisecond')"))) + ")";
        }

        var alternatives = string.Join(" OR ", condition.Values.Select(value => ValuePredicate(condition, value)));
        var exists = $"EXISTS (SELECT 1 FROM {table.Values(parameter.Type, "r")} {StoredIn(parameter.Storage, "x")} AND ({alternatives}))";
        if (condition.Modifier == "not")
        {
            return "NOT " + exists;
        }

        return table.IsAuditTrail && parameter.Name == "patient" && condition.Modifier is null or "Patient" ? $"({exists} AND {RecordOf(condition)})" : exists;
    }

    /// <summary>
    /// AuditEvent's <c>patient</c> as the record the event is filed under (its <c>patient</c> column,
    /// indexed): the server files each event under the one patient whose record was accessed, named
    /// as its Patient entity. Beside the value match it narrows the rows to that record, so the index
    /// finds them; an event's Patient agent (a patient reading another's record) is found by
    /// <c>agent</c>, and under that other patient's record.
    /// </summary>
    private string RecordOf(SearchCondition condition)
    {
        var records = condition.Values
            .Select(value => ReferenceCriterion.Parse(value, condition.Modifier, condition.Parameter.Name))
            .Select(criterion => "Patient/" + criterion.Id)
            .ToArray();
        return $"r.patient = ANY({Add(records)})";
    }

    private string ValuePredicate(SearchCondition condition, string value) => condition.Parameter.Type switch
    {
        SearchParamType.Token => TokenPredicate(TokenCriterion.Parse(value)),
        SearchParamType.Reference => ReferencePredicate(ReferenceCriterion.Parse(value, condition.Modifier, condition.Parameter.Name)),
        SearchParamType.Date => DatePredicate(DateCriterion.Parse(value, condition.Parameter.Name), "x.low", "x.high"),
        SearchParamType.String => StringPredicate(StringCriterion.Parse(value, condition.Modifier)),
        _ => throw new InvalidOperationException("unsupported parameter type " + condition.Parameter.Type),
    };

    private string TokenPredicate(TokenCriterion criterion) => criterion switch
    {
        { System: null, Code: var code } => $"x.code = {Add(code)}",
        { System: "", Code: var code } => $"(x.system IS NULL AND x.code = {Add(code)})",
        { System: var system, Code: null } => $"x.system = {Add(system)}",
        { System: var system, Code: var code } => $"(x.system = {Add(system)} AND x.code = {Add(code)})",
    };

    private string ReferencePredicate(ReferenceCriterion criterion) => criterion.Type is { } type
        ? $"(x.target_type = {Add(type)} AND x.target_id = {Add(criterion.Id)})"
        : $"x.target_id = {Add(criterion.Id)}";

    private string StringPredicate(StringCriterion criterion) => criterion.Match switch
    {
        StringMatch.Exact => $"x.raw = {Add(criterion.Text)}",
        StringMatch.Contains => $"x.value LIKE {Add("%" + EscapeLike(criterion.Text) + "%")}",
        _ => $"x.value LIKE {Add(EscapeLike(criterion.Text) + "%")}",
    };

    /// <summary>Date comparison by prefix, on ranges with an exclusive upper bound (search.html#prefix).</summary>
    private string DatePredicate(DateCriterion criterion, string low, string high)
    {
        var from = Add(criterion.Range.Low);
        var to = Add(criterion.Range.High);
        return criterion.Prefix switch
        {
            DatePrefix.Eq => $"({low} >= {from} AND {high} <= {to})",
            DatePrefix.Ne => $"NOT ({low} >= {from} AND {high} <= {to})",
            DatePrefix.Lt => $"{low} < {from}",
            DatePrefix.Le => $"{low} < {to}",
            DatePrefix.Gt => $"{high} > {to}",
            DatePrefix.Ge => $"{high} > {from}",
            DatePrefix.Sa => $"{low} >= {to}",
            DatePrefix.Eb => $"{high} <= {from}",
            DatePrefix.Ap => $"({low} < {to} AND {high} > {from})",
            _ => throw new InvalidOperationException("unknown date prefix " + criterion.Prefix),
        };
    }

    private static string EscapeLike(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is '%' or '_' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }
}
