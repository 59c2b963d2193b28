using JasperFx;
using Marten;
using Marten.Schema;

namespace SeSPHR.FhirServer.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the FhirServer's database: one Npgsql data source (shared by Marten, the search
    /// queries and the health check), the Marten document store in schema <c>fhir</c> with the
    /// search tables beside it.
    /// </summary>
    public static IServiceCollection AddFhirStorage(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Fhir") is { Length: > 0 } configured
            ? configured
            : throw new InvalidOperationException(
                "ConnectionStrings:Fhir is not set (appsettings.json or the ConnectionStrings__Fhir environment variable).");

        // Parameter logging shows SQL parameter values at Debug level; off by default. The canary
        // test turns it on to prove that even then no protected value reaches a log.
        var logParameters = configuration.GetValue<bool>("Fhir:LogSqlParameters");
        services.AddNpgsqlDataSource(connectionString, builder =>
        {
            builder.EnableParameterLogging(logParameters);
            // Every request runs the same few statements (Marten's writes, loads by id, each search
            // shape): prepared once per connection, PostgreSQL parses and plans them once instead of
            // on every request. A connection string that sets Max Auto Prepare keeps its own value.
            // (Npgsql's own builder answers ContainsKey for every keyword it knows, set or not.)
            var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
            if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare"))
            {
                builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
            }

            // PostgreSQL JIT-compiles a query whose estimated cost passes jit_above_cost; for these
            // short queries the compilation is the whole cost (a count over one patient's 20,000
            // Observations spent 0.95 s of 1.05 s compiling). A prepared statement runs one generic
            // plan (force_generic_plan): look-ups by key, the caller's Consent stamp and the writes
            // have plans that never depend on their values, and PostgreSQL's default (auto) would
            // keep planning them for their values for good, since it prices an array parameter at
            // 100 elements and the generic plan of "= ANY($1)" or "unnest($1)" then always looks
            // dearer (a fifth of a create's database time, ~0.1 ms of every read). Searches ask for
            // plans of their own values (SearchSql.ReadAsync). No parallel plans either: a
            // grantee's Bundle.total count (LIMIT 101) over a record beside a long audit trail was
            // planned with two parallel workers, and starting them took 7 of its 7.7 ms (1.3 ms
            // without); a FHIR request's queries are short, and many run at once. A connection
            // string that sets Options keeps its own.
            if (!given.ContainsKey("Options"))
            {
                builder.ConnectionStringBuilder.Options = "-c jit=off -c plan_cache_mode=force_generic_plan -c max_parallel_workers_per_gather=0";
            }

            // A pooled connection is otherwise reset on every checkout with seven statements (RESET
            // ALL, DISCARD TEMP, UNLISTEN, advisory unlock...) that PostgreSQL parses and runs before
            // each request's own: a tenth of a create's database time. Nothing here leaves session
            // state behind (no SET, temp tables, LISTEN or session advisory locks; an open
            // transaction is still rolled back when a connection goes back to the pool).
            if (!given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose"))
            {
                builder.ConnectionStringBuilder.NoResetOnClose = true;
            }
        });
        services.AddMarten(options =>
            {
                options.DatabaseSchemaName = SearchTables.Schema;
                // Each document carries the resource's JSON as a string. The default encoder writes
                // every quote of it as \u0022 (six bytes instead of two, and as many escapes for
                // PostgreSQL to decode); these documents only ever go to PostgreSQL, never into HTML.
                options.UseSystemTextJsonForSerialization(
                    configure: json => json.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
                // The server creates and migrates its own tables; it owns its database.
                options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
                ConfigureDocumentTables(options);
                foreach (var table in SearchTables.All())
                {
                    options.Storage.ExtendedSchemaObjects.Add(table);
                }

                options.Storage.ExtendedSchemaObjects.Add(AuditEventTable.Definition());
            })
            .UseNpgsqlDataSource()
            .UseLightweightSessions();
        services.AddSingleton<SchemaMigration>();
        services.AddHostedService(provider => provider.GetRequiredService<SchemaMigration>());
        services.AddSingleton<MartenResourceStore>();
        services.AddSingleton<IResourceStore>(provider => provider.GetRequiredService<MartenResourceStore>());
        return services;
    }

    /// <summary>
    /// The columns the queries filter and sort on, duplicated out of the documents, and only the
    /// indexes some query's plan uses: every index is paid on every write (a create writes both
    /// tables). Marten's <c>Duplicate</c> would index each column on its own, which is why the
    /// columns are declared here without one. Left unindexed on purpose: <c>is_deleted</c> and
    /// <c>section</c> (a handful of values, always combined with a selective condition),
    /// <c>resource_type</c> alone (the composite below leads with it) and the version number
    /// (part of the history key).
    /// </summary>
    private static void ConfigureDocumentTables(StoreOptions options)
    {
        // Registered up front, so that the migration at start-up creates their tables (the tests
        // and the health check rely on the schema being complete before the first write).
        options.RegisterDocumentType<StoredResource>();
        options.RegisterDocumentType<StoredResourceVersion>();
        options.Policies.ForAllDocuments(mapping =>
        {
            if (mapping.DocumentType == typeof(StoredResource))
            {
                ConfigureCurrent(mapping);
            }
            else if (mapping.DocumentType == typeof(StoredResourceVersion))
            {
                ConfigureVersions(mapping);
            }
        });
    }

    private static void ConfigureCurrent(DocumentMapping current)
    {
        current.DuplicateField(nameof(StoredResource.ResourceType), notNull: true);
        current.DuplicateField(nameof(StoredResource.LogicalId), notNull: true);
        current.DuplicateField(nameof(StoredResource.LastUpdated), pgType: "timestamptz", notNull: true);
        current.DuplicateField(nameof(StoredResource.IsDeleted), notNull: true);
        current.DuplicateField(nameof(StoredResource.Patient));
        current.DuplicateField(nameof(StoredResource.Section));
        // Searches of a type in _lastUpdated order and their counts; $everything and the
        // compartment's access filter. (_id searches use the primary key: a search names its type.)
        current.Indexes.Add(new DocumentIndex(current, "resource_type", "last_updated"));
        current.Indexes.Add(new DocumentIndex(current, "patient"));
    }

    private static void ConfigureVersions(DocumentMapping versions)
    {
        versions.DuplicateField(nameof(StoredResourceVersion.ResourceType), notNull: true);
        versions.DuplicateField(nameof(StoredResourceVersion.LogicalId), notNull: true);
        versions.DuplicateField(nameof(StoredResourceVersion.VersionId), notNull: true);
        versions.DuplicateField(nameof(StoredResourceVersion.IsDeleted), notNull: true);
        versions.DuplicateField(nameof(StoredResourceVersion.LastUpdated), pgType: "timestamptz", notNull: true);
        // History is filtered by the version's own record and section, like search (no index of
        // their own: history queries are selective by id or time first).
        versions.DuplicateField(nameof(StoredResourceVersion.Patient));
        versions.DuplicateField(nameof(StoredResourceVersion.Section));
        // Instance history; type and system history newest first.
        versions.Indexes.Add(new DocumentIndex(versions, "logical_id"));
        versions.Indexes.Add(new DocumentIndex(versions, "last_updated"));
    }
}
