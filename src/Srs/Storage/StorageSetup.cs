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
        services.AddNpgsqlDataSource(connectionString);
        services.AddDbContext<SrsDbContext>((provider, options) =>
        {
            options.UseNpgsql(provider.GetRequiredService<Npgsql.NpgsqlDataSource>());
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
