using Npgsql;

namespace SeSPHR.Testing;

/// <summary>
/// The PostgreSQL cluster of this test run. <c>./sesphr test</c> starts one private cluster per
/// run and passes its superuser connection string in <c>SESPHR_TEST_PG</c>; every test class
/// creates its own database in it, so classes stay independent and can run in parallel.
/// </summary>
public static class TestPostgres
{
    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable("SESPHR_TEST_PG") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "SESPHR_TEST_PG is not set: run the tests with ./sesphr test, or point SESPHR_TEST_PG at a " +
                "PostgreSQL superuser connection string (e.g. Host=127.0.0.1;Port=5432;Username=postgres;Password=...).");

    public static Task<TestDatabase> CreateDatabaseAsync(string purpose) => CreateDatabaseAsync(purpose, AdminConnectionString);

    /// <summary>A database in the cluster of <paramref name="adminConnectionString"/> (a test's private cluster).</summary>
    public static async Task<TestDatabase> CreateDatabaseAsync(string purpose, string adminConnectionString)
    {
        var tag = new string(purpose.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(24).ToArray());
        var name = $"t_{tag}_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync();
        await using (var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection))
        {
            await command.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = name };
        return new TestDatabase(name, builder.ConnectionString, adminConnectionString);
    }
}

/// <summary>A database of its own for one test class; dropped when the class is done.</summary>
public sealed class TestDatabase(string name, string connectionString, string adminConnectionString) : IAsyncDisposable
{
    public string Name { get; } = name;

    public string ConnectionString { get; } = connectionString;

    public async Task<T?> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
