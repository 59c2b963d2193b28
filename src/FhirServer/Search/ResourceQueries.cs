using Npgsql;
using SeSPHR.FhirServer.Features.Access;
using SeSPHR.FhirServer.Storage;
using SeSPHR.Phr.Sections;

namespace SeSPHR.FhirServer.Search;

/// <summary>A resource as a search or history returns it: its key, its JSON and its ordering values.</summary>
public sealed record FoundResource(string Id, string ResourceType, string LogicalId, long VersionId, DateTime LastUpdated, DateTime SortKey, string? Json, bool IsDeleted, string? Patient = null, string? Section = null)
{
    /// <summary>What the disclosure policy shapes before it is served.</summary>
    public Disclosed ToDisclosed() => new(ResourceType, LogicalId, VersionId, Patient, Section, Json);
}

/// <summary>One page of results, with the total when it was asked for.</summary>
public sealed record ResultPage(IReadOnlyList<FoundResource> Matches, bool HasNext, bool HasPrevious, long? Total, DateTime Snapshot)
{
    /// <summary>The records (<c>Patient/x</c>) a count query counted in: a count discloses them as a read does, so it is audited.</summary>
    public IReadOnlyList<string> CountedRecords { get; init; } = [];
}

/// <summary>
/// Runs searches, includes and history queries against the FhirServer's database: keyset paging
/// on (sort key, id) under a snapshot instant, so links stay stable while data changes.
/// </summary>
public sealed class ResourceQueries(NpgsqlDataSource dataSource, DisclosurePolicy disclosure, TimeProvider clock)
{
    public async Task<ResultPage> SearchAsync(SearchQuery query, CancellationToken cancellationToken)
    {
        var snapshot = query.Cursor?.Snapshot ?? clock.GetUtcNow().UtcDateTime;
        if (query.Summary == SummaryMode.Count || query.Count == 0)
        {
            var only = query.Summary == SummaryMode.Count || query.Total == TotalMode.Accurate ? await CountAsync(query, snapshot, null, cancellationToken)
                : query.Total == TotalMode.Bounded ? await CountAsync(query, snapshot, SearchLimits.CountedByDefault, cancellationToken)
                : (Total: null, Records: []);
            return new ResultPage([], false, false, only.Total, snapshot) { CountedRecords = only.Records };
        }

        var sql = new SearchSql();
        var sortKey = sql.SortKey(query);
        var where = sql.Where(query, snapshot, disclosure.SqlFilter("r", sql, query.ResourceType));
        var descending = query.Sort?.Descending ?? false;
        var backwards = query.Cursor?.Backwards ?? false;
        var scanDescending = descending != backwards;
        if (query.Cursor is { } cursor)
        {
            where += $" AND ({sortKey}, r.id) {(scanDescending ? "<" : ">")} ({sql.Add(cursor.SortKey)}, {sql.Add(cursor.Id)})";
        }

        var direction = scanDescending ? "DESC" : "ASC";
        var table = ResourceTable.Of(query.ResourceType);
        var pageSql = $"""
            SELECT r.id, r.resource_type, r.logical_id, {table.Version("r")}, r.last_updated, {sortKey}, {table.Json("r")}, false, r.patient, r.section
            FROM {table.From} r
            WHERE {where}
            ORDER BY 6 {direction}, r.id {direction}
            LIMIT {sql.Add(query.Count + 1)}
            """;
        var rows = await ReadAsync(pageSql, sql, cancellationToken);
        var more = rows.Count > query.Count;
        if (more)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        if (backwards)
        {
            rows.Reverse();
        }

        // A first page that holds every match already counts them: the count query, a second
        // round trip over the same WHERE clause, is only needed when there is more to page through.
        var total = query.Total == TotalMode.None ? (Total: null, Records: [])
            : query.Cursor is null && !more ? (Total: rows.Count, Records: [])
            : await CountAsync(query, snapshot, query.Total == TotalMode.Accurate ? null : SearchLimits.CountedByDefault, cancellationToken);
        var hasNext = backwards ? true : more;
        var hasPrevious = backwards ? more : query.Cursor is not null;
        return new ResultPage(rows, hasNext, hasPrevious, total.Total, snapshot) { CountedRecords = total.Records };
    }

    /// <summary>
    /// The number of matches, and the patients' records they lie in; with <paramref name="bound"/>, the
    /// total is null when there are more than that many (counting stops there).
    /// </summary>
    private async Task<(long? Total, IReadOnlyList<string> Records)> CountAsync(SearchQuery query, DateTime snapshot, int? bound, CancellationToken cancellationToken)
    {
        var count = new SearchSql();
        var where = count.Where(query, snapshot, disclosure.SqlFilter("r", count, query.ResourceType));
        var from = ResourceTable.Of(query.ResourceType).From;
        var matches = bound is { } most
            ? $"SELECT r.patient FROM {from} r WHERE {where} LIMIT {count.Add(most + 1)}"
            : $"SELECT r.patient FROM {from} r WHERE {where}";
        var groups = await count.ReadAsync(dataSource, $"SELECT m.patient, count(*) FROM ({matches}) m GROUP BY m.patient",
            reader => (Record: reader.IsDBNull(0) ? null : reader.GetString(0), Count: reader.GetInt64(1)), cancellationToken);
        var total = groups.Sum(g => g.Count);
        var records = groups.Select(g => g.Record).OfType<string>().ToList();
        return (bound is { } limit && total > limit ? null : total, records);
    }

    /// <summary>The resources the page's resources point at through <paramref name="include"/>.</summary>
    public async Task<IReadOnlyList<FoundResource>> IncludeAsync(IncludeRequest include, IReadOnlyList<FoundResource> page, CancellationToken cancellationToken)
    {
        var sql = new SearchSql();
        var filter = disclosure.SqlFilter("r", sql, include.TargetType);

        // The page's references: from the search table, or from the AuditEvents' own rows. An
        // include of no target type reads the resource documents only: nothing here refers to AuditEvents.
        var table = ResourceTable.Of(include.TargetType);
        var sources = ResourceTable.Of(include.SourceType);
        var pageIds = sql.Add(page.Select(p => p.Id).ToArray());
        var references = sources.IsAuditTrail
            ? $"SELECT x.target_type || '/' || x.target_id FROM {AuditEventTable.Name} s, {sources.Values(Hl7.Fhir.Model.SearchParamType.Reference, "s")} s.id = ANY({pageIds}) AND"
            : $"SELECT x.target_type || '/' || x.target_id FROM {SearchTables.Reference} x WHERE x.resource_id = ANY({pageIds}) AND";
        var text = $"""
            SELECT r.id, r.resource_type, r.logical_id, {table.Version("r")}, r.last_updated, r.last_updated, {table.Json("r")}, false, r.patient, r.section
            FROM {table.From} r
            WHERE NOT r.is_deleted
              AND r.id IN ({references} {sql.StoredIn(include.Storage, "x")}
                             AND ({sql.Add(include.TargetType)}::text IS NULL OR x.target_type = {sql.Add(include.TargetType)}))
              {(filter is null ? "" : "AND (" + filter + ")")}
            ORDER BY r.id
            LIMIT {SearchLimits.MaxIncluded}
            """;
        return await ReadAsync(text, sql, cancellationToken);
    }

    /// <summary>The resources of <c>include.SourceType</c> that point at the page's resources.</summary>
    public async Task<IReadOnlyList<FoundResource>> RevIncludeAsync(IncludeRequest include, IReadOnlyList<FoundResource> page, CancellationToken cancellationToken)
    {
        var sql = new SearchSql();
        var filter = disclosure.SqlFilter("r", sql, include.SourceType);
        var table = ResourceTable.Of(include.SourceType);
        var text = $"""
            SELECT r.id, r.resource_type, r.logical_id, {table.Version("r")}, r.last_updated, r.last_updated, {table.Json("r")}, false, r.patient, r.section
            FROM {table.From} r
            WHERE r.resource_type = {sql.Add(include.SourceType)} AND NOT r.is_deleted
              AND EXISTS (SELECT 1 FROM {table.Values(Hl7.Fhir.Model.SearchParamType.Reference, "r")} {sql.StoredIn(include.Storage, "x")}
                            AND x.target_id = ANY({sql.Add(page.Select(p => p.LogicalId).ToArray())})
                            AND x.target_type || '/' || x.target_id = ANY({sql.Add(page.Select(p => p.Id).ToArray())}))
              {(filter is null ? "" : "AND (" + filter + ")")}
            ORDER BY r.id
            LIMIT {SearchLimits.MaxIncluded}
            """;
        return await ReadAsync(text, sql, cancellationToken);
    }

    /// <summary>
    /// History, newest first: of one resource, of a type, or of the whole system. Replaced versions
    /// are history rows, current versions are current rows (see <see cref="MartenResourceStore"/>),
    /// so the page is merged from both tables: each branch is cut to the page size in its own index
    /// order, and one statement sees one snapshot, so a version moving between them is seen once.
    /// </summary>
    public async Task<ResultPage> HistoryAsync(string? resourceType, string? logicalId, DateTime? since, int count, PageCursor? cursor, CancellationToken cancellationToken)
    {
        var sql = new SearchSql();
        var snapshot = cursor?.Snapshot ?? clock.GetUtcNow().UtcDateTime;
        var backwards = cursor?.Backwards ?? false;
        var direction = backwards ? "ASC" : "DESC";
        var limit = sql.Add(count + 1);

        // The clauses every branch has, on its own alias and version key (the values are bound once).
        var until = sql.Add(snapshot);
        var from = since is { } instant ? sql.Add(instant) : null;
        var after = cursor is null ? null : $"({sql.Add(cursor.SortKey)}, {sql.Add(cursor.Id)})";
        List<string> Clauses(string a, string key)
        {
            var clauses = new List<string> { $"{a}.last_updated <= {until}" };
            if (from is not null)
            {
                clauses.Add($"{a}.last_updated >= {from}");
            }

            if (after is not null)
            {
                clauses.Add($"({a}.last_updated, {key}) {(backwards ? ">" : "<")} {after}");
            }

            return clauses;
        }

        string Branch(string select, string from, List<string> clauses, string key) =>
            $"({select} FROM {from} WHERE {string.Join(" AND ", clauses)} ORDER BY last_updated {direction}, {key} {direction} LIMIT {limit})";

        var replacedClauses = Clauses("v", "v.id");
        if (resourceType is not null)
        {
            replacedClauses.Add($"v.resource_type = {sql.Add(resourceType)}");
        }

        if (logicalId is not null)
        {
            replacedClauses.Add($"v.logical_id = {sql.Add(logicalId)}");
        }

        if (disclosure.SqlFilter("v", sql, resourceType, versionRows: true) is { } replacedFilter)
        {
            replacedClauses.Add($"({replacedFilter})");
        }

        var branches = new List<string>
        {
            Branch("SELECT v.id, v.resource_type, v.logical_id, v.version_id, v.last_updated, v.data->>'Json' AS json, v.is_deleted, v.patient, v.section",
                $"{SearchSql.Versions} v", replacedClauses, "v.id"),
        };

        // Current rows, by the resource's key or a type's (resource_type, last_updated) index; the
        // system's history takes one branch a type rather than pay an index of its own on every write.
        // AuditEvents are never replaced: their rows are their only versions.
        foreach (var type in resourceType is null ? SectionPolicy.SupportedResourceTypes : [resourceType])
        {
            var table = ResourceTable.Of(type);
            var currentKey = $"(r.id || '/_history/' || {table.Version("r")})";
            var clauses = Clauses("r", currentKey);
            clauses.Add(logicalId is null ? $"r.resource_type = {sql.Add(type)}" : $"r.id = {sql.Add(StoredResource.KeyOf(type, logicalId))}");
            if (disclosure.SqlFilter("r", sql, type) is { } filter)
            {
                clauses.Add($"({filter})");
            }

            branches.Add(Branch(
                $"SELECT {currentKey} AS id, r.resource_type, r.logical_id, {table.Version("r")}, r.last_updated, {table.Json("r")}, r.is_deleted, r.patient, r.section",
                $"{table.From} r", clauses, "id"));
        }

        var text = $"""
            SELECT h.id, h.resource_type, h.logical_id, h.version_id, h.last_updated, h.last_updated, h.json, h.is_deleted, h.patient, h.section
            FROM ({string.Join("\nUNION ALL\n", branches)}) h
            ORDER BY h.last_updated {direction}, h.id {direction}
            LIMIT {limit}
            """;
        var rows = await ReadAsync(text, sql, cancellationToken, withDeleted: true);
        var more = rows.Count > count;
        if (more)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        if (backwards)
        {
            rows.Reverse();
        }

        return new ResultPage(rows, backwards || more, backwards ? more : cursor is not null, null, snapshot);
    }

    private Task<object?> ScalarAsync(string text, SearchSql sql, CancellationToken cancellationToken) =>
        sql.ScalarAsync(dataSource, text, cancellationToken);

    private Task<List<FoundResource>> ReadAsync(string text, SearchSql sql, CancellationToken cancellationToken, bool withDeleted = false) =>
        sql.ReadAsync(dataSource, text, reader => new FoundResource(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetInt64(3),
                reader.GetDateTime(4),
                reader.GetDateTime(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                withDeleted && reader.GetBoolean(7),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetString(9)),
            cancellationToken);
}
