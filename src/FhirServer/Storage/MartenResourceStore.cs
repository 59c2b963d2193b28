using JasperFx;
using Marten;
using Marten.Exceptions;
using Npgsql;
using SeSPHR.FhirServer.Search;

namespace SeSPHR.FhirServer.Storage;

/// <summary>Stores resources as Marten documents, and their search values in the search tables.</summary>
public sealed class MartenResourceStore(IDocumentStore store) : IResourceStore
{
    public async Task<StoredResource?> ReadAsync(string resourceType, string logicalId, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<StoredResource>(StoredResource.KeyOf(resourceType, logicalId), cancellationToken);
    }

    public async Task<IReadOnlyDictionary<string, StoredResource>> ReadManyAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var found = await session.LoadManyAsync<StoredResource>(cancellationToken, keys);
        return found.ToDictionary(resource => resource.Id, StringComparer.Ordinal);
    }

    public async Task<StoredResourceVersion?> ReadVersionAsync(string resourceType, string logicalId, long versionId, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<StoredResourceVersion>(StoredResourceVersion.KeyOf(resourceType, logicalId, versionId), cancellationToken);
    }

    public async Task CommitAsync(IReadOnlyList<ResourceWrite> writes, CancellationToken cancellationToken)
    {
        if (writes.Count == 0)
        {
            return;
        }

        await using var session = store.LightweightSession();
        // Resources that change go through Marten's upsert. Every other row is new: the history
        // rows of all writes and the current rows of created resources are inserted with one
        // multi-row statement per table (a transaction Bundle of 100 creates sends 2 statements
        // instead of 200). A plain insert, never an upsert: the history key is the concurrency
        // guard, and a concurrent creator of the same id collides on the current row's key as well.
        foreach (var write in writes.Where(w => w.ReplacesExisting))
        {
            session.Store(write.Resource);
        }

        var serializer = store.Options.Serializer();
        var created = writes.Where(w => !w.ReplacesExisting).Select(w => w.Resource).ToList();
        if (created.Count > 0)
        {
            session.QueueSqlCommand(
                $"""
                insert into {SearchSql.Resources} (id, data, mt_version, mt_dotnet_type, resource_type, logical_id, last_updated, is_deleted, patient, section)
                select id, data::jsonb, mt_version, mt_dotnet_type, resource_type, logical_id, last_updated, is_deleted, patient, section
                from unnest(?::text[], ?::text[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::boolean[], ?::text[], ?::text[])
                  as t(id, data, mt_version, mt_dotnet_type, resource_type, logical_id, last_updated, is_deleted, patient, section)
                """,
                created.Select(r => r.Id).ToArray(), created.Select(r => serializer.ToJson(r)).ToArray(),
                created.Select(_ => Guid.CreateVersion7()).ToArray(), created.Select(_ => typeof(StoredResource).FullName!).ToArray(),
                created.Select(r => r.ResourceType).ToArray(), created.Select(r => r.LogicalId).ToArray(),
                created.Select(r => r.LastUpdated).ToArray(), created.Select(r => r.IsDeleted).ToArray(),
                created.Select(r => r.Patient).ToArray(), created.Select(r => r.Section).ToArray());
        }

        var versions = writes.Select(w => w.Resource.ToVersion()).ToList();
        session.QueueSqlCommand(
            $"""
            insert into {SearchSql.Versions} (id, data, mt_version, mt_dotnet_type, resource_type, logical_id, version_id, is_deleted, last_updated, patient, section)
            select id, data::jsonb, mt_version, mt_dotnet_type, resource_type, logical_id, version_id, is_deleted, last_updated, patient, section
            from unnest(?::text[], ?::text[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::boolean[], ?::timestamptz[], ?::text[], ?::text[])
              as t(id, data, mt_version, mt_dotnet_type, resource_type, logical_id, version_id, is_deleted, last_updated, patient, section)
            """,
            versions.Select(v => v.Id).ToArray(), versions.Select(v => serializer.ToJson(v)).ToArray(),
            versions.Select(_ => Guid.CreateVersion7()).ToArray(), versions.Select(_ => typeof(StoredResourceVersion).FullName!).ToArray(),
            versions.Select(v => v.ResourceType).ToArray(), versions.Select(v => v.LogicalId).ToArray(),
            versions.Select(v => v.VersionId).ToArray(), versions.Select(v => v.IsDeleted).ToArray(),
            versions.Select(v => v.LastUpdated).ToArray(), versions.Select(v => v.Patient).ToArray(), versions.Select(v => v.Section).ToArray());

        // The search values of all writes, one statement per table (a transaction Bundle writes thousands).
        var replaced = writes.Where(w => w.ReplacesExisting).Select(w => w.Resource.Id).ToArray();
        if (replaced.Length > 0)
        {
            foreach (var table in new[] { SearchTables.Token, SearchTables.Reference, SearchTables.Date, SearchTables.Text })
            {
                session.QueueSqlCommand($"delete from {table} where resource_id = any(?::text[])", (object)replaced);
            }
        }

        QueueIndexRows(session, writes);

        try
        {
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (DocumentAlreadyExistsException clash)
        {
            throw new ConcurrentWriteException("A version of this resource was written concurrently.", clash);
        }
        catch (MartenCommandException failure) when (failure.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw new ConcurrentWriteException("A version of this resource was written concurrently.", failure);
        }
        catch (PostgresException clash) when (clash.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new ConcurrentWriteException("A version of this resource was written concurrently.", clash);
        }
        catch (AggregateException failures) when (failures.InnerExceptions.All(IsClash))
        {
            // Several versions of one commit (a transaction Bundle) lost the race at once.
            throw new ConcurrentWriteException("Versions of these resources were written concurrently.", failures);
        }
    }

    private static bool IsClash(Exception failure) =>
        failure is DocumentAlreadyExistsException
        || failure is MartenCommandException { InnerException: PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } }
        || failure is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    private static void QueueIndexRows(IDocumentSession session, IReadOnlyList<ResourceWrite> writes)
    {
        var tokens = writes.SelectMany(w => w.Index.Tokens.Select(value => (w.Resource, Value: value))).ToList();
        if (tokens.Count > 0)
        {
            session.QueueSqlCommand(
                $"insert into {SearchTables.Token} (resource_id, resource_type, param, system, code) select * from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[])",
                tokens.Select(t => t.Resource.Id).ToArray(), tokens.Select(t => t.Resource.ResourceType).ToArray(),
                tokens.Select(t => t.Value.Parameter).ToArray(), tokens.Select(t => t.Value.System).ToArray(), tokens.Select(t => t.Value.Code).ToArray());
        }

        var references = writes.SelectMany(w => w.Index.References.Select(value => (w.Resource, Value: value))).ToList();
        if (references.Count > 0)
        {
            session.QueueSqlCommand(
                $"insert into {SearchTables.Reference} (resource_id, resource_type, param, target_type, target_id) select * from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[])",
                references.Select(r => r.Resource.Id).ToArray(), references.Select(r => r.Resource.ResourceType).ToArray(),
                references.Select(r => r.Value.Parameter).ToArray(), references.Select(r => r.Value.TargetType).ToArray(), references.Select(r => r.Value.TargetId).ToArray());
        }

        var dates = writes.SelectMany(w => w.Index.Dates.Select(value => (w.Resource, Value: value))).ToList();
        if (dates.Count > 0)
        {
            session.QueueSqlCommand(
                $"insert into {SearchTables.Date} (resource_id, resource_type, param, low, high) select * from unnest(?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::timestamptz[])",
                dates.Select(d => d.Resource.Id).ToArray(), dates.Select(d => d.Resource.ResourceType).ToArray(), dates.Select(d => d.Value.Parameter).ToArray(),
                dates.Select(d => new DateTimeOffset(d.Value.Low, TimeSpan.Zero)).ToArray(), dates.Select(d => new DateTimeOffset(d.Value.High, TimeSpan.Zero)).ToArray());
        }

        var strings = writes.SelectMany(w => w.Index.Strings.Select(value => (w.Resource, Value: value))).ToList();
        if (strings.Count > 0)
        {
            session.QueueSqlCommand(
                $"insert into {SearchTables.Text} (resource_id, resource_type, param, value, raw) select * from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[])",
                strings.Select(s => s.Resource.Id).ToArray(), strings.Select(s => s.Resource.ResourceType).ToArray(),
                strings.Select(s => s.Value.Parameter).ToArray(), strings.Select(s => s.Value.Value).ToArray(), strings.Select(s => s.Value.Raw).ToArray());
        }
    }
}
