using JasperFx;
using Marten;

namespace SeSPHR.FhirServer.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the FhirServer's database: one Npgsql data source (shared by Marten and the
    /// health check) and the Marten document store in schema <c>fhir</c>.
    /// </summary>
    public static IServiceCollection AddFhirStorage(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Fhir") is { Length: > 0 } configured
            ? configured
            : throw new InvalidOperationException(
                "ConnectionStrings:Fhir is not set (appsettings.json or the ConnectionStrings__Fhir environment variable).");

        services.AddNpgsqlDataSource(connectionString);
        services.AddMarten(options =>
            {
                options.DatabaseSchemaName = "fhir";
                options.UseSystemTextJsonForSerialization();
                // The server creates and migrates its own tables; it owns its database.
                options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
                options.Schema.For<StoredResource>().Index(r => r.ResourceType);
                options.Schema.For<StoredResourceVersion>().Index(r => r.LastUpdated);
            })
            .UseNpgsqlDataSource()
            .UseLightweightSessions();
        services.AddSingleton<SchemaMigration>();
        services.AddHostedService(provider => provider.GetRequiredService<SchemaMigration>());
        services.AddSingleton<IResourceStore, MartenResourceStore>();
        return services;
    }
}
