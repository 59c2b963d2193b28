using Npgsql;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace SeSPHR.FhirServer.Storage;

/// <summary>
/// The audit trail: the AuditEvents the server writes, one narrow row each, append-only, in a table
/// of their own rather than among the resource documents and the search-value tables. Every audited
/// read waits for its AuditEvent's commit, and as a document the event cost a JSON document row with
/// three index entries plus eight search rows with two index entries each; measured side by side on
/// one instance, that insert, not the group commit around it, was what took audited reads under half
/// the throughput of unaudited ones (the access run, benchmarks/access/run.sh, against diagnostic builds). Here an event is
/// one row with four index entries (below): its search values are array columns of the row, in the shape of
/// the search tables' rows (param, system, code; param, target type, target id), so the same search
/// predicates run on them (<see cref="Search.ResourceTable"/>), and its one date (<c>recorded</c>) is a
/// pair of columns.
/// </summary>
/// <remarks>
/// Indexed by (patient, last_updated) and (patient, recorded) for a patient's trail in
/// <c>_lastUpdated</c> or <c>date</c> order (the access filter's own condition is the patient), and
/// by last_updated for an admin's review and the system's history. Sorted by <c>date</c> without
/// its index, a patient's page of 10 took 1.5 s over 520,000 events; with it 0.4 ms. Searches by
/// another parameter filter the rows those select; the README names the cost.
/// </remarks>
public static class AuditEventTable
{
    public const string Name = "fhir.audit_event";

    /// <summary>The key of an AuditEvent, as of every resource: <c>AuditEvent/{id}</c>.</summary>
    public const string KeyPrefix = "AuditEvent/";

    /// <summary>
    /// The table read as the resource table is (the columns queries and the access filter name: <c>id</c>,
    /// <c>resource_type</c>, <c>logical_id</c>, <c>last_updated</c>, <c>is_deleted</c>, <c>patient</c>,
    /// <c>section</c>), for a FROM clause. PostgreSQL pulls the subquery up into the query, so its
    /// constants fold and conditions on <c>id</c>, <c>patient</c> and <c>last_updated</c> use the indexes.
    /// </summary>
    public const string Relation = $"""
        (SELECT a.id, 'AuditEvent'::text AS resource_type, substr(a.id, 12) AS logical_id, a.last_updated, false AS is_deleted,
                a.patient, NULL::text AS section, a.json, a.date_low, a.date_high,
                a.token_param, a.token_system, a.token_code, a.ref_param, a.ref_type, a.ref_id
         FROM {Name} a)
        """;

    public static Table Definition()
    {
        var table = new Table(new PostgresqlObjectName(SearchTables.Schema, "audit_event", SchemaUtils.IdentifierUsage.General));
        table.AddColumn("id", "text").AsPrimaryKey();
        // Null only for an event of no patient's record moved here from an earlier build.
        table.AddColumn("patient", "text");
        table.AddColumn("last_updated", "timestamptz").NotNull();
        // recorded, as the range its precision spans (a search_date row's low and high).
        table.AddColumn("date_low", "timestamptz").NotNull();
        table.AddColumn("date_high", "timestamptz").NotNull();
        foreach (var column in (string[])["token_param", "token_system", "token_code", "ref_param", "ref_type", "ref_id"])
        {
            table.AddColumn(column, "text[]").NotNull();
        }

        // The FHIR JSON as served; text, not jsonb: nothing queries inside it.
        table.AddColumn("json", "text").NotNull();
        table.Indexes.Add(new IndexDefinition("ix_audit_event_patient") { Columns = ["patient", "last_updated"] });
        table.Indexes.Add(new IndexDefinition("ix_audit_event_recorded") { Columns = ["patient", "date_low"] });
        table.Indexes.Add(new IndexDefinition("ix_audit_event_updated") { Columns = ["last_updated"] });
        return table;
    }

    /// <summary>Whether a resource key is an AuditEvent's.</summary>
    public static bool Holds(string key) => key.StartsWith(KeyPrefix, StringComparison.Ordinal);

    /// <summary>
    /// Appends AuditEvents (version 1 each, as <c>AccessAuditEvents</c> builds them) in one round trip
    /// and one implicit transaction, committed before this returns: one prepared single-row insert
    /// per event, so the statement is the same whatever the batch's size.
    /// </summary>
    public static async Task AppendAsync(NpgsqlDataSource dataSource, IReadOnlyList<ResourceWrite> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return;
        }

        await using var batch = dataSource.CreateBatch();
        foreach (var (resource, index, replaces) in events)
        {
            if (resource.ResourceType != "AuditEvent" || replaces || resource.IsDeleted || resource.Json is null || resource.VersionId != 1)
            {
                throw new ArgumentException("The audit trail takes new AuditEvents only.", nameof(events));
            }

            var date = index.Dates.FirstOrDefault(d => d.Parameter == "date");
            if (date.Parameter is null)
            {
                throw new ArgumentException("An AuditEvent of the audit trail has its recorded time.", nameof(events));
            }

            var command = batch.CreateBatchCommand();
            command.CommandText = $"""
                INSERT INTO {Name} (id, patient, last_updated, date_low, date_high, token_param, token_system, token_code, ref_param, ref_type, ref_id, json)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                """;
            command.Parameters.Add(new NpgsqlParameter { Value = resource.Id });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)resource.Patient ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter { Value = resource.LastUpdated });
            command.Parameters.Add(new NpgsqlParameter { Value = new DateTimeOffset(date.Low, TimeSpan.Zero) });
            command.Parameters.Add(new NpgsqlParameter { Value = new DateTimeOffset(date.High, TimeSpan.Zero) });
            command.Parameters.Add(new NpgsqlParameter { Value = index.Tokens.Select(t => t.Parameter).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = index.Tokens.Select(t => t.System).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = index.Tokens.Select(t => t.Code).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = index.References.Select(r => r.Parameter).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = index.References.Select(r => r.TargetType).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = index.References.Select(r => r.TargetId).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = resource.Json });
            batch.BatchCommands.Add(command);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
