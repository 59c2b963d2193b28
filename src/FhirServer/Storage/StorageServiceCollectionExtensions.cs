using JasperFx;
using Marten;

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
            // Observations spent 0.95 s of 1.05 s compiling). A connection string that sets Options keeps its own.
            if (!given.ContainsKey("Options"))
            {
                builder.ConnectionStringBuilder.Options = "-c jit=off";
            }
        });
        services.AddMarten(options =>
            {
                options.DatabaseSchemaName = SearchTables.Schema;
                options.UseSystemTextJsonForSerialization();
                // The server creates and migrates its own tables; it owns its database.
                options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
                options.Schema.For<StoredResource>()
                    .Duplicate(r => r.ResourceType, notNull: true)
                    .Duplicate(r => r.LogicalId, notNull: true)
                    .Duplicate(r => r.LastUpdated, pgType: "timestamptz", notNull: true)
                    .Duplicate(r => r.IsDeleted, notNull: true)
                    .Duplicate(r => r.Patient)
                    .Duplicate(r => r.Section);
                options.Schema.For<StoredResourceVersion>()
                    .Duplicate(r => r.ResourceType, notNull: true)
                    .Duplicate(r => r.LogicalId, notNull: true)
                    .Duplicate(r => r.VersionId, notNull: true)
                    .Duplicate(r => r.IsDeleted, notNull: true)
                    .Duplicate(r => r.LastUpdated, pgType: "timestamptz", notNull: true)
                    // History is filtered by the version's own record and section, like search.
                    .Duplicate(r => r.Patient)
                    .Duplicate(r => r.Section);
                foreach (var table in SearchTables.All())
                {
                    options.Storage.ExtendedSchemaObjects.Add(table);
                }
            })
            .UseNpgsqlDataSource()
            .UseLightweightSessions();
        services.AddSingleton<SchemaMigration>();
        services.AddHostedService(provider => provider.GetRequiredService<SchemaMigration>());
        services.AddSingleton<MartenResourceStore>();
        services.AddSingleton<IResourceStore>(provider => provider.GetRequiredService<MartenResourceStore>());
        return services;
    }
}
