using Marten;
using Npgsql;
using SeSPHR.FhirServer.Search;

namespace SeSPHR.FhirServer.Storage;

/// <summary>
/// Stores resources in Marten's document tables, and their search values in the search tables.
/// The current version of a resource lives only in its current row; a history row is written when
/// a newer version replaces it (its body moves there in the same transaction). A create therefore
/// writes one document row, not two: the history row and its three index entries were a quarter of
/// a create's database time, and most resources are never updated. (AuditEvents are not written
/// here at all: they have a table of their own, <see cref="AuditEventTable"/>.)
/// </summary>
public sealed class MartenResourceStore(IDocumentStore store, NpgsqlDataSource dataSource) : IResourceStore
{
    // Reads select the columns and the body straight out of the row: no Marten session, and no
    // deserialisation of the whole document (its escaped body included) into a StoredResource.
    private const string CurrentColumns =
        "r.id, r.resource_type, r.logical_id, (r.data->>'VersionId')::bigint, r.last_updated, r.is_deleted, r.data->>'Json', r.patient, r.section";

    public async Task<StoredResource?> ReadAsync(string resourceType, string logicalId, CancellationToken cancellationToken)
    {
        var found = await ReadManyAsync([StoredResource.KeyOf(resourceType, logicalId)], cancellationToken);
        return found.Values.FirstOrDefault();
    }

    public async Task<IReadOnlyDictionary<string, StoredResource>> ReadManyAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, StoredResource>(StringComparer.Ordinal);
        if (keys.Count == 0)
        {
            return found;
        }

        // AuditEvents are in the audit trail's table (AuditEventTable); everything else is a document.
        var documents = keys.Where(key => !AuditEventTable.Holds(key)).ToList();
        if (documents.Count > 0)
        {
            await ReadIntoAsync(found, SearchSql.Resources, CurrentColumns, documents, cancellationToken);
        }

        if (documents.Count < keys.Count)
        {
            await ReadIntoAsync(found, AuditEventTable.Relation, AuditEventColumns, [.. keys.Where(AuditEventTable.Holds)], cancellationToken);
        }

        return found;
    }

    private const string AuditEventColumns = "r.id, r.resource_type, r.logical_id, 1::bigint, r.last_updated, r.is_deleted, r.json, r.patient, r.section";

    private async Task ReadIntoAsync(Dictionary<string, StoredResource> found, string from, string columns, List<string> keys, CancellationToken cancellationToken)
    {
        await using var command = keys.Count == 1
            ? dataSource.CreateCommand($"SELECT {columns} FROM {from} r WHERE r.id = $1")
            : dataSource.CreateCommand($"SELECT {columns} FROM {from} r WHERE r.id = ANY($1)");
        command.Parameters.Add(keys.Count == 1 ? new NpgsqlParameter { Value = keys[0] } : new NpgsqlParameter { Value = keys.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var resource = new StoredResource
            {
                Id = reader.GetString(0),
                ResourceType = reader.GetString(1),
                LogicalId = reader.GetString(2),
                VersionId = reader.GetInt64(3),
                LastUpdated = reader.GetFieldValue<DateTimeOffset>(4),
                IsDeleted = reader.GetBoolean(5),
                Json = reader.IsDBNull(6) ? null : reader.GetString(6),
                Patient = reader.IsDBNull(7) ? null : reader.GetString(7),
                Section = reader.IsDBNull(8) ? null : reader.GetString(8),
            };
            found[resource.Id] = resource;
        }
    }

    public async Task<StoredResourceVersion?> ReadVersionAsync(string resourceType, string logicalId, long versionId, CancellationToken cancellationToken)
    {
        if (resourceType == "AuditEvent")
        {
            // Never replaced: version 1 is the row itself.
            return versionId == 1 && await ReadAsync(resourceType, logicalId, cancellationToken) is { } only ? only.ToVersion() : null;
        }

        // A replaced version is in the history table, the current one in the current row.
        await using var command = dataSource.CreateCommand($"""
            SELECT v.last_updated, v.is_deleted, v.data->>'Json', v.patient, v.section FROM {SearchSql.Versions} v WHERE v.id = $1
            UNION ALL
            SELECT r.last_updated, r.is_deleted, r.data->>'Json', r.patient, r.section FROM {SearchSql.Resources} r
            WHERE r.id = $2 AND (r.data->>'VersionId')::bigint = $3
            LIMIT 1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = StoredResourceVersion.KeyOf(resourceType, logicalId, versionId) });
        command.Parameters.Add(new NpgsqlParameter { Value = StoredResource.KeyOf(resourceType, logicalId) });
        command.Parameters.Add(new NpgsqlParameter { Value = versionId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new StoredResourceVersion
        {
            Id = StoredResourceVersion.KeyOf(resourceType, logicalId, versionId),
            ResourceType = resourceType,
            LogicalId = logicalId,
            VersionId = versionId,
            LastUpdated = reader.GetFieldValue<DateTimeOffset>(0),
            IsDeleted = reader.GetBoolean(1),
            Json = reader.IsDBNull(2) ? null : reader.GetString(2),
            Patient = reader.IsDBNull(3) ? null : reader.GetString(3),
            Section = reader.IsDBNull(4) ? null : reader.GetString(4),
        };
    }

    /// <summary>
    /// All rows of the request in one <see cref="NpgsqlBatch"/>: one round trip, run by PostgreSQL
    /// as one implicit transaction (a failing statement rolls back the ones before it and skips the
    /// rest) and committed before the batch returns. Marten's session would send BEGIN, the
    /// statements and COMMIT, and build its unit of work on every request. The new rows of all
    /// tables go in one statement (data-modifying WITH clauses), so a create is one statement for
    /// PostgreSQL to bind and execute, not five.
    /// </summary>
    public async Task CommitAsync(IReadOnlyList<ResourceWrite> writes, CancellationToken cancellationToken)
    {
        if (writes.Count == 0)
        {
            return;
        }

        if (writes.Any(w => w.Resource.ResourceType == "AuditEvent"))
        {
            // The routes refuse AuditEvent writes (ResourceRegistry); the audit trail is appended by AuditEventTable only.
            throw new InvalidOperationException("AuditEvents are appended to the audit trail, not written as documents.");
        }

        var serializer = store.Options.Serializer();
        await using var batch = dataSource.CreateBatch();

        var replaced = writes.Where(w => w.ReplacesExisting).Select(w => w.Resource).ToList();
        if (replaced.Count > 0)
        {
            replaced.Sort((x, y) => string.CompareOrdinal(x.Id, y.Id));
            var ids = replaced.Select(r => r.Id).ToArray();

            // Writers of the same resource queue here, on its current row, before either touches a
            // history row: every batch then takes its locks in one order (current rows by id, then
            // history rows), so concurrent writers wait for each other instead of deadlocking.
            var queue = new Statement(batch);
            queue.Text = $"select 1 from {SearchSql.Resources} where id = any({queue.Add(ids)}) order by id for update";

            // The version being replaced becomes a history row, under the number of the version the
            // writer read and replaces. That key is the concurrency guard: every replacement of
            // version n wrote history row n, so a second writer that also read n (and waited above
            // for the first) collides on it, whatever the current row holds by then.
            var retire = new Statement(batch);
            var read = replaced.Select(r => (r.Id, Version: r.VersionId - 1, Key: StoredResourceVersion.KeyOf(r.ResourceType, r.LogicalId, r.VersionId - 1))).ToList();
            retire.Text = $"""
                insert into {SearchSql.Versions} (id, data, mt_version, mt_dotnet_type, resource_type, logical_id, version_id, is_deleted, last_updated, patient, section)
                select e.key, jsonb_set(c.data, array['Id'], to_jsonb(e.key)), c.mt_version, {retire.Add(typeof(StoredResourceVersion).FullName!)},
                       c.resource_type, c.logical_id, e.version, c.is_deleted, c.last_updated, c.patient, c.section
                from unnest({retire.Add(read.Select(r => r.Id).ToArray())}::text[], {retire.Add(read.Select(r => r.Key).ToArray())}::text[],
                            {retire.Add(read.Select(r => r.Version).ToArray())}::bigint[]) as e(id, key, version)
                join {SearchSql.Resources} c on c.id = e.id
                """;

            var upsert = new Statement(batch);
            upsert.Text = CurrentRows(upsert, serializer, replaced) + """

                on conflict (id) do update set data = excluded.data, mt_version = excluded.mt_version, mt_last_modified = transaction_timestamp(),
                  resource_type = excluded.resource_type, logical_id = excluded.logical_id, last_updated = excluded.last_updated,
                  is_deleted = excluded.is_deleted, patient = excluded.patient, section = excluded.section
                """;

            // Their old search values go before the new ones are inserted (a later statement).
            var delete = new Statement(batch);
            var key = delete.Add(ids);
            delete.Text = $"""
                with t as (delete from {SearchTables.Token} where resource_id = any({key})),
                     r as (delete from {SearchTables.Reference} where resource_id = any({key})),
                     d as (delete from {SearchTables.Date} where resource_id = any({key}))
                delete from {SearchTables.Text} where resource_id = any({key})
                """;
        }

        // Created resources: a plain insert, never an upsert; a concurrent creator of the same id
        // collides on the current row's key. Their search values, and those of the replacements,
        // go in the same statement.
        var insert = new Statement(batch);
        var parts = new List<string>();
        var created = writes.Where(w => !w.ReplacesExisting).Select(w => w.Resource).ToList();
        if (created.Count > 0)
        {
            parts.Add(CurrentRows(insert, serializer, created));
        }

        parts.AddRange(IndexRows(insert, writes));
        insert.Text = parts.Count switch
        {
            0 => "select 1", // a delete: its tombstone replaced a row and has no search values

            1 => parts[0],
            _ => "with " + string.Join(",\n", parts.Skip(1).Select((part, i) => $"w{i} as ({part})")) + "\n" + parts[0],
        };

        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException clash) when (clash.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new ConcurrentWriteException("A version of this resource was written concurrently.", clash);
        }
    }

    private static string CurrentRows(Statement statement, Marten.ISerializer serializer, List<StoredResource> rows) =>
        $"""
        insert into {SearchSql.Resources} (id, data, mt_version, mt_dotnet_type, resource_type, logical_id, last_updated, is_deleted, patient, section)
        select id, data::jsonb, mt_version, mt_dotnet_type, resource_type, logical_id, last_updated, is_deleted, patient, section
        from unnest({statement.Add(rows.Select(r => r.Id).ToArray())}::text[], {statement.Add(rows.Select(r => serializer.ToJson(r)).ToArray())}::text[],
                    {statement.Add(rows.Select(_ => Guid.CreateVersion7()).ToArray())}::uuid[], {statement.Add(rows.Select(_ => typeof(StoredResource).FullName!).ToArray())}::text[],
                    {statement.Add(rows.Select(r => r.ResourceType).ToArray())}::text[], {statement.Add(rows.Select(r => r.LogicalId).ToArray())}::text[],
                    {statement.Add(rows.Select(r => r.LastUpdated).ToArray())}::timestamptz[], {statement.Add(rows.Select(r => r.IsDeleted).ToArray())}::boolean[],
                    {statement.Add(rows.Select(r => r.Patient).ToArray())}::text[], {statement.Add(rows.Select(r => r.Section).ToArray())}::text[])
          as t(id, data, mt_version, mt_dotnet_type, resource_type, logical_id, last_updated, is_deleted, patient, section)
        """;

    /// <summary>The inserts of the search values of all writes, one per table that gets rows (a transaction Bundle writes thousands).</summary>
    private static IEnumerable<string> IndexRows(Statement statement, IReadOnlyList<ResourceWrite> writes)
    {
        var tokens = writes.SelectMany(w => w.Index.Tokens.Select(value => (w.Resource, Value: value))).ToList();
        if (tokens.Count > 0)
        {
            yield return $"insert into {SearchTables.Token} (resource_id, resource_type, param, system, code) select * from unnest(" +
                $"{statement.Add(tokens.Select(t => t.Resource.Id).ToArray())}::text[], {statement.Add(tokens.Select(t => t.Resource.ResourceType).ToArray())}::text[], " +
                $"{statement.Add(tokens.Select(t => t.Value.Parameter).ToArray())}::text[], {statement.Add(tokens.Select(t => t.Value.System).ToArray())}::text[], " +
                $"{statement.Add(tokens.Select(t => t.Value.Code).ToArray())}::text[])";
        }

        var references = writes.SelectMany(w => w.Index.References.Select(value => (w.Resource, Value: value))).ToList();
        if (references.Count > 0)
        {
            yield return $"insert into {SearchTables.Reference} (resource_id, resource_type, param, target_type, target_id) select * from unnest(" +
                $"{statement.Add(references.Select(r => r.Resource.Id).ToArray())}::text[], {statement.Add(references.Select(r => r.Resource.ResourceType).ToArray())}::text[], " +
                $"{statement.Add(references.Select(r => r.Value.Parameter).ToArray())}::text[], {statement.Add(references.Select(r => r.Value.TargetType).ToArray())}::text[], " +
                $"{statement.Add(references.Select(r => r.Value.TargetId).ToArray())}::text[])";
        }

        var dates = writes.SelectMany(w => w.Index.Dates.Select(value => (w.Resource, Value: value))).ToList();
        if (dates.Count > 0)
        {
            yield return $"insert into {SearchTables.Date} (resource_id, resource_type, param, low, high) select * from unnest(" +
                $"{statement.Add(dates.Select(d => d.Resource.Id).ToArray())}::text[], {statement.Add(dates.Select(d => d.Resource.ResourceType).ToArray())}::text[], " +
                $"{statement.Add(dates.Select(d => d.Value.Parameter).ToArray())}::text[], " +
                $"{statement.Add(dates.Select(d => new DateTimeOffset(d.Value.Low, TimeSpan.Zero)).ToArray())}::timestamptz[], " +
                $"{statement.Add(dates.Select(d => new DateTimeOffset(d.Value.High, TimeSpan.Zero)).ToArray())}::timestamptz[])";
        }

        var strings = writes.SelectMany(w => w.Index.Strings.Select(value => (w.Resource, Value: value))).ToList();
        if (strings.Count > 0)
        {
            yield return $"insert into {SearchTables.Text} (resource_id, resource_type, param, value, raw) select * from unnest(" +
                $"{statement.Add(strings.Select(s => s.Resource.Id).ToArray())}::text[], {statement.Add(strings.Select(s => s.Resource.ResourceType).ToArray())}::text[], " +
                $"{statement.Add(strings.Select(s => s.Value.Parameter).ToArray())}::text[], {statement.Add(strings.Select(s => s.Value.Value).ToArray())}::text[], " +
                $"{statement.Add(strings.Select(s => s.Value.Raw).ToArray())}::text[])";
        }
    }

    /// <summary>One statement of the batch; <see cref="Add"/> gives each array its positional parameter.</summary>
    private sealed class Statement
    {
        private readonly NpgsqlBatchCommand _command;

        public Statement(NpgsqlBatch batch)
        {
            _command = batch.CreateBatchCommand();
            batch.BatchCommands.Add(_command);
        }

        public string Text
        {
            set => _command.CommandText = value;
        }

        public string Add(object values)
        {
            _command.Parameters.Add(new NpgsqlParameter { Value = values });
            return "$" + _command.Parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
