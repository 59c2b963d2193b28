using Npgsql;
using SeSPHR.FhirServer.Features.Access;
using SeSPHR.FhirServer.Search;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Features.Operations.Everything;

/// <summary>What a <c>Patient/$everything</c> page asks for.</summary>
public sealed record EverythingRequest(int Count, DateTime? Since, IReadOnlyList<string>? Types, PageCursor? Cursor);

/// <summary>A resource of the record, and whether it is in the patient's compartment or only referenced from it.</summary>
public sealed record EverythingEntry(FoundResource Resource, bool InCompartment);

public sealed record EverythingPage(IReadOnlyList<EverythingEntry> Entries, bool HasNext, bool HasPrevious, long Total, DateTime Snapshot);

/// <summary>
/// The resources of one patient's record: every current resource filed under the patient at
/// write time (the <c>patient</c> column, the Patient itself included), and the resources they
/// reference through indexed reference parameters that belong to no patient (Practitioner,
/// Organization, Location, Medication...). Both sets come from one query, so paging and the total
/// count each resource once, and the access filter narrows the set inside the same SQL. Pages are
/// keyset-paged as search is: the Patient first, then by last update, under a snapshot instant.
/// </summary>
public sealed class PatientEverythingQuery(NpgsqlDataSource dataSource, DisclosurePolicy disclosure, TimeProvider clock)
{
    public async Task<EverythingPage> PageAsync(string patientId, EverythingRequest request, CancellationToken cancellationToken)
    {
        var patient = StoredResource.KeyOf("Patient", patientId);
        var snapshot = request.Cursor?.Snapshot ?? clock.GetUtcNow().UtcDateTime;

        var count = new SearchSql();
        var total = (long)(await ScalarAsync($"SELECT count(*) FROM {SearchSql.Resources} r WHERE {Where(count, patient, snapshot, request)}", count, cancellationToken))!;

        var sql = new SearchSql();
        var where = Where(sql, patient, snapshot, request);
        var backwards = request.Cursor?.Backwards ?? false;
        var notPatient = $"(r.id <> {sql.Add(patient)})";
        var key = $"{notPatient}, r.last_updated, r.id";
        if (request.Cursor is { } cursor)
        {
            where += $" AND ({key}) {(backwards ? "<" : ">")} ({sql.Add(cursor.Id != patient)}, {sql.Add(cursor.SortKey)}, {sql.Add(cursor.Id)})";
        }

        var direction = backwards ? "DESC" : "ASC";
        var text = $"""
            SELECT r.id, r.resource_type, r.logical_id, (r.data->>'VersionId')::bigint, r.last_updated, r.data->>'Json', r.patient IS NOT NULL, r.patient, r.section
            FROM {SearchSql.Resources} r
            WHERE {where}
            ORDER BY {notPatient} {direction}, r.last_updated {direction}, r.id {direction}
            LIMIT {sql.Add(request.Count + 1)}
            """;
        var rows = await ReadAsync(text, sql, cancellationToken);
        var more = rows.Count > request.Count;
        if (more)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        if (backwards)
        {
            rows.Reverse();
        }

        return new EverythingPage(rows, backwards || more, backwards ? more : request.Cursor is not null, total, snapshot);
    }

    private string Where(SearchSql sql, string patient, DateTime snapshot, EverythingRequest request)
    {
        var member = disclosure.SqlFilter("c", sql);
        var clauses = new List<string>
        {
            "NOT r.is_deleted",
            $"r.last_updated <= {sql.Add(snapshot)}",
            $"""
            (r.patient = {sql.Add(patient)}
             OR (r.patient IS NULL AND r.id IN (
                 SELECT x.target_type || '/' || x.target_id FROM {SearchTables.Reference} x
                 WHERE x.resource_id IN (SELECT c.id FROM {SearchSql.Resources} c
                                         WHERE c.patient = {sql.Add(patient)} AND NOT c.is_deleted{(member is null ? "" : $" AND ({member})")}))))
            """,
        };
        if (request.Since is { } since)
        {
            clauses.Add($"r.last_updated >= {sql.Add(since)}");
        }

        if (request.Types is { Count: > 0 } types)
        {
            clauses.Add($"r.resource_type = ANY({sql.Add(types.ToArray())})");
        }

        if (disclosure.SqlFilter("r", sql) is { } filter)
        {
            clauses.Add($"({filter})");
        }

        return string.Join(" AND ", clauses);
    }

    private Task<object?> ScalarAsync(string text, SearchSql sql, CancellationToken cancellationToken) =>
        sql.ScalarAsync(dataSource, text, cancellationToken);

    private Task<List<EverythingEntry>> ReadAsync(string text, SearchSql sql, CancellationToken cancellationToken) =>
        sql.ReadAsync(dataSource, text, reader =>
        {
            var lastUpdated = reader.GetDateTime(4);
            return new EverythingEntry(
                new FoundResource(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), lastUpdated, lastUpdated, reader.GetString(5), IsDeleted: false,
                    reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8)),
                reader.GetBoolean(6));
        }, cancellationToken);
}
