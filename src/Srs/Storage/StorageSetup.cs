using Microsoft.EntityFrameworkCore;

namespace SeSPHR.Srs.Storage;

public static class StorageSetup
{
    /// <summary>
    /// The SRS database on Npgsql with OpenIddict's default entities, the schema gate, and the
    /// start-up work (schema, keys, seeded clients, enrolment code).
    /// </summary>
    public static IServiceCollection AddSrsStorage(this IServiceCollection services, string connectionString)
    {
        services.AddNpgsqlDataSource(connectionString, builder =>
        {
            // Every re-encryption call runs the same two statements (the grant look-up, the log insert):
            // prepared once per connection they are not parsed and planned again on each call, and no
            // DISCARD ALL runs before each (together a third of the SRS's database time per call).
            // Nothing here leaves session state on a connection: the log's synchronous_commit is
            // transaction-local, there are no SET, temp tables, LISTEN or session advisory locks, and an
            // open transaction is still rolled back when a connection goes back to the pool. A connection
            // string that sets either keyword keeps its own value.
            var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
            if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare"))
                builder.ConnectionStringBuilder.MaxAutoPrepare = 32;
            if (!given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose"))
                builder.ConnectionStringBuilder.NoResetOnClose = true;
        });
        services.AddDbContext<SrsDbContext>((provider, options) =>
        {
            options.UseNpgsql(provider.GetRequiredService<Npgsql.NpgsqlDataSource>(),
                npgsql => npgsql.MigrationsHistoryTable(SrsMigrations.HistoryTable, SrsDbContext.Schema));
            options.UseOpenIddict();
        },
        // The options are the same for every context: built once, not per request (every request
        // that evaluates an authorization policy constructs the account handler's context).
        optionsLifetime: ServiceLifetime.Singleton);
        services.AddSingleton<SchemaGate>();
        services.AddHostedService<SrsStartup>();
        return services;
    }
}
