using Npgsql;
using SeSPHR.FhirServer.Features.Access;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Search;

/// <summary>A resource as a search or history returns it: its key, its JSON and its ordering values.</summary>
public sealed record FoundResource(string Id, string ResourceType, string LogicalId, long VersionId, DateTime LastUpdated, DateTime SortKey, string? Json, bool IsDeleted, string? Patient = null, string? Section = null)
{
    /// <summary>What the disclosure policy shapes before it is served.</summary>
    public Disclosed ToDisclosed() => new(ResourceType, LogicalId, VersionId, Patient, Section, Json);
}

/// <summary>One page of results, with the total when it was asked for.</summary>
public sealed record ResultPage(IReadOnlyList<FoundResource> Matches, bool HasNext, bool HasPrevious, long? Total, DateTime Snapshot);

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
            long? only = query.Summary == SummaryMode.Count || query.Total == TotalMode.Accurate ? await CountAsync(query, snapshot, null, cancellationToken)
                : query.Total == TotalMode.Bounded ? await CountAsync(query, snapshot, SearchLimits.CountedByDefault, cancellationToken)
                : null;
            return new ResultPage([], false, false, only, snapshot);
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
        var pageSql = $"""
            SELECT r.id, r.resource_type, r.logical_id, (r.data->>'VersionId')::bigint, r.last_updated, {sortKey}, r.data->>'Json', false, r.patient, r.section
            FROM {SearchSql.Resources} r
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
        long? total = query.Total == TotalMode.None ? null
            : query.Cursor is null && !more ? rows.Count
            : await CountAsync(query, snapshot, query.Total == TotalMode.Accurate ? null : SearchLimits.CountedByDefault, cancellationToken);
        var hasNext = backwards ? true : more;
        var hasPrevious = backwards ? more : query.Cursor is not null;
        return new ResultPage(rows, hasNext, hasPrevious, total, snapshot);
    }

    /// <summary>The number of matches; with <paramref name="bound"/>, null when there are more than that many (counting stops there).</summary>
    private async Task<long?> CountAsync(SearchQuery query, DateTime snapshot, int? bound, CancellationToken cancellationToken)
    {
        var count = new SearchSql();
        var where = count.Where(query, snapshot, disclosure.SqlFilter("r", count, query.ResourceType));
        var countSql = bound is { } most
            ? $"SELECT count(*) FROM (SELECT 1 FROM {SearchSql.Resources} r WHERE {where} LIMIT {count.Add(most + 1)}) m"
            : $"SELECT count(*) FROM {SearchSql.Resources} r WHERE {where}";
        var total = (long)(await ScalarAsync(countSql, count, cancellationToken))!;
        return bound is { } limit && total > limit ? null : total;
    }

    /// <summary>The resources the page's resources point at through <paramref name="include"/>.</summary>
    public async Task<IReadOnlyList<FoundResource>> IncludeAsync(IncludeRequest include, IReadOnlyList<FoundResource> page, CancellationToken cancellationToken)
    {
        var sql = new SearchSql();
        var filter = disclosure.SqlFilter("r", sql, include.TargetType);
        var text = $"""
            SELECT r.id, r.resource_type, r.logical_id, (r.data->>'VersionId')::bigint, r.last_updated, r.last_updated, r.data->>'Json', false, r.patient, r.section
            FROM {SearchSql.Resources} r
            WHERE NOT r.is_deleted
              AND r.id IN (SELECT x.target_type || '/' || x.target_id FROM {SearchTables.Reference} x
                           WHERE x.resource_id = ANY({sql.Add(page.Select(p => p.Id).ToArray())}) AND {sql.StoredIn(include.Storage, "x")}
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
        var text = $"""
            SELECT r.id, r.resource_type, r.logical_id, (r.data->>'VersionId')::bigint, r.last_updated, r.last_updated, r.data->>'Json', false, r.patient, r.section
            FROM {SearchSql.Resources} r
            WHERE r.resource_type = {sql.Add(include.SourceType)} AND NOT r.is_deleted
              AND EXISTS (SELECT 1 FROM {SearchTables.Reference} x
                          WHERE x.resource_id = r.id AND {sql.StoredIn(include.Storage, "x")}
                            AND x.target_id = ANY({sql.Add(page.Select(p => p.LogicalId).ToArray())})
                            AND x.target_type || '/' || x.target_id = ANY({sql.Add(page.Select(p => p.Id).ToArray())}))
              {(filter is null ? "" : "AND (" + filter + ")")}
            ORDER BY r.id
            LIMIT {SearchLimits.MaxIncluded}
            """;
        return await ReadAsync(text, sql, cancellationToken);
    }

    /// <summary>History, newest first: of one resource, of a type, or of the whole system.</summary>
    public async Task<ResultPage> HistoryAsync(string? resourceType, string? logicalId, DateTime? since, int count, PageCursor? cursor, CancellationToken cancellationToken)
    {
        var sql = new SearchSql();
        var snapshot = cursor?.Snapshot ?? clock.GetUtcNow().UtcDateTime;
        var clauses = new List<string> { $"v.last_updated <= {sql.Add(snapshot)}" };
        if (resourceType is not null)
        {
            clauses.Add($"v.resource_type = {sql.Add(resourceType)}");
        }

        if (logicalId is not null)
        {
            clauses.Add($"v.logical_id = {sql.Add(logicalId)}");
        }

        if (since is { } from)
        {
            clauses.Add($"v.last_updated >= {sql.Add(from)}");
        }

        var backwards = cursor?.Backwards ?? false;
        if (cursor is not null)
        {
            clauses.Add($"(v.last_updated, v.id) {(backwards ? ">" : "<")} ({sql.Add(cursor.SortKey)}, {sql.Add(cursor.Id)})");
        }

        if (disclosure.SqlFilter("v", sql, resourceType, versionRows: true) is { } filter)
        {
            clauses.Add($"({filter})");
        }

        var direction = backwards ? "ASC" : "DESC";
        var text = $"""
            SELECT v.id, v.resource_type, v.logical_id, v.version_id, v.last_updated, v.last_updated, {MartenResourceStore.VersionBody("v")}, v.is_deleted, v.patient, v.section
            FROM {SearchSql.Versions} v
            WHERE {string.Join(" AND ", clauses)}
            ORDER BY v.last_updated {direction}, v.id {direction}
            LIMIT {sql.Add(count + 1)}
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

    private async Task<object?> ScalarAsync(string text, SearchSql sql, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(text);
        command.Parameters.AddRange(sql.Parameters.ToArray());
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    private async Task<List<FoundResource>> ReadAsync(string text, SearchSql sql, CancellationToken cancellationToken, bool withDeleted = false)
    {
        await using var command = dataSource.CreateCommand(text);
        command.Parameters.AddRange(sql.Parameters.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<FoundResource>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new FoundResource(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetInt64(3),
                reader.GetDateTime(4),
                reader.GetDateTime(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                withDeleted && reader.GetBoolean(7),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetString(9)));
        }

        return rows;
    }
}
