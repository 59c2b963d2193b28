using JasperFx;
using Marten;
using Marten.Exceptions;
using Npgsql;

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
        foreach (var write in writes)
        {
            var resource = write.Resource;
            session.Store(resource);
            // Insert, never upsert: the history key is the concurrency guard.
            session.Insert(resource.ToVersion());
            if (write.ReplacesExisting)
            {
                foreach (var table in new[] { SearchTables.Token, SearchTables.Reference, SearchTables.Date, SearchTables.Text })
                {
                    session.QueueSqlCommand($"delete from {table} where resource_id = ?", resource.Id);
                }
            }

            QueueIndexRows(session, resource, write.Index);
        }

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
    }

    private static void QueueIndexRows(IDocumentSession session, StoredResource resource, Search.SearchIndex index)
    {
        if (index.Tokens.Count > 0)
        {
            session.QueueSqlCommand(
                $"insert into {SearchTables.Token} (resource_id, resource_type, param, system, code) select ?, ?, p, s, c from unnest(?::text[], ?::text[], ?::text[]) as v(p, s, c)",
                resource.Id, resource.ResourceType,
                index.Tokens.Select(t => t.Parameter).ToArray(), index.Tokens.Select(t => t.System).ToArray(), index.Tokens.Select(t => t.Code).ToArray());
        }

        if (index.References.Count > 0)
        {
            session.QueueSqlCommand(
                $"insert into {SearchTables.Reference} (resource_id, resource_type, param, target_type, target_id) select ?, ?, p, t, i from unnest(?::text[], ?::text[], ?::text[]) as v(p, t, i)",
                resource.Id, resource.ResourceType,
                index.References.Select(r => r.Parameter).ToArray(), index.References.Select(r => r.TargetType).ToArray(), index.References.Select(r => r.TargetId).ToArray());
        }

        if (index.Dates.Count > 0)
        {
            session.QueueSqlCommand(
                $"insert into {SearchTables.Date} (resource_id, resource_type, param, low, high) select ?, ?, p, l, h from unnest(?::text[], ?::timestamptz[], ?::timestamptz[]) as v(p, l, h)",
                resource.Id, resource.ResourceType,
                index.Dates.Select(d => d.Parameter).ToArray(), index.Dates.Select(d => new DateTimeOffset(d.Low, TimeSpan.Zero)).ToArray(), index.Dates.Select(d => new DateTimeOffset(d.High, TimeSpan.Zero)).ToArray());
        }

        if (index.Strings.Count > 0)
        {
            session.QueueSqlCommand(
                $"insert into {SearchTables.Text} (resource_id, resource_type, param, value, raw) select ?, ?, p, x, w from unnest(?::text[], ?::text[], ?::text[]) as v(p, x, w)",
                resource.Id, resource.ResourceType,
                index.Strings.Select(s => s.Parameter).ToArray(), index.Strings.Select(s => s.Value).ToArray(), index.Strings.Select(s => s.Raw).ToArray());
        }
    }
}
