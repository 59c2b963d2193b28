using SeSPHR.Testing;

namespace SeSPHR.Srs.Tests.Infrastructure;

/// <summary>One database and one running SRS for a test class, with the first admin enrolled.</summary>
public sealed class SrsFixture : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public SrsHost Host { get; private set; } = null!;

    public TestUser Admin { get; private set; } = null!;

    public string AdminToken { get; private set; } = null!;

    public string ConnectionString => _database.ConnectionString;

    public async Task InitializeAsync()
    {
        _database = await TestPostgres.CreateDatabaseAsync("srs-identity");
        Host = new SrsHost(_database.ConnectionString, Directory.CreateTempSubdirectory("srs-test-").FullName);
        Admin = await SrsFlows.EnrolAdminAsync(Host.CreateClient(), Host);
        AdminToken = (await SrsFlows.SignInAsync(Host, Admin, SrsFlows.SrsScope)).AccessToken;
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await _database.DisposeAsync();
        Directory.Delete(Host.DataDirectory, recursive: true);
    }

    /// <summary>A unique name for a test's user, so tests sharing the fixture do not collide.</summary>
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 60)];
}
