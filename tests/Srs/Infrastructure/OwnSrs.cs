using SeSPHR.Testing;

namespace SeSPHR.Srs.Tests.Infrastructure;

/// <summary>An SRS of a test's own, over its own database, with settings of its own (rate limits the shared fixture keeps generous).</summary>
public sealed class OwnSrs : IAsyncDisposable
{
    private readonly TestDatabase _database;

    private OwnSrs(TestDatabase database, SrsHost host)
    {
        _database = database;
        Host = host;
    }

    public SrsHost Host { get; }

    public static async Task<OwnSrs> StartAsync(string name, IReadOnlyDictionary<string, string?> settings)
    {
        var database = await TestPostgres.CreateDatabaseAsync(name);
        var host = new SrsHost(database.ConnectionString, Directory.CreateTempSubdirectory("srs-test-").FullName, settings);
        // The first request starts the host (and creates the schema).
        using var client = host.CreateClient();
        await client.GetAsync(new Uri("/healthz", UriKind.Relative));
        return new OwnSrs(database, host);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await _database.DisposeAsync();
        Directory.Delete(Host.DataDirectory, recursive: true);
    }
}
