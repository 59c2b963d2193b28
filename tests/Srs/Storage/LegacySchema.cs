using Npgsql;
using SeSPHR.Testing;

namespace SeSPHR.Srs.Tests.Storage;

/// <summary>
/// The SRS schema as the last build before migrations made it with EnsureCreated: the create script
/// generated from that build's model (Fixtures/ensure-created-schema.sql), without data.
/// </summary>
public static class LegacySchema
{
    private static readonly string Sql = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Storage", "Fixtures", "ensure-created-schema.sql"));

    public static Task CreateAsync(TestDatabase database) => ExecuteAsync(database, Sql);

    public static async Task ExecuteAsync(TestDatabase database, string sql)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
