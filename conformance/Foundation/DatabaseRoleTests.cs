using Npgsql;
using SeSPHR.Conformance.Infrastructure;
using SeSPHR.Testing;

namespace SeSPHR.Conformance.Foundation;

/// <summary>
/// The provisioning script that <c>./sesphr up</c> runs: two roles, two databases, and neither
/// role can even connect to the other's database.
/// </summary>
public sealed class DatabaseRoleTests : IAsyncLifetime
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..10];
    private readonly string _fhirPassword = Guid.NewGuid().ToString("N");
    private readonly string _srsPassword = Guid.NewGuid().ToString("N");

    private string FhirRole => $"fhir_{_suffix}";

    private string SrsRole => $"srs_{_suffix}";

    public async System.Threading.Tasks.Task InitializeAsync()
    {
        var script = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "scripts", "provision.sql"));
        string[] variables =
        [
            "-v", $"fhir_role={FhirRole}", "-v", $"fhir_db={FhirRole}", "-v", $"fhir_password={_fhirPassword}",
            "-v", $"srs_role={SrsRole}", "-v", $"srs_db={SrsRole}", "-v", $"srs_password={_srsPassword}",
        ];
        await PostgresTools.RunAsync("psql", "postgres", ["-X", "-q", .. variables], script);
        // Idempotent: ./sesphr up runs it on every start.
        await PostgresTools.RunAsync("psql", "postgres", ["-X", "-q", .. variables], script);
    }

    public System.Threading.Tasks.Task DisposeAsync() => System.Threading.Tasks.Task.CompletedTask;

    [Fact]
    public async System.Threading.Tasks.Task Given_the_provisioned_roles_Then_each_connects_to_its_own_database()
    {
        (await ConnectAsync(FhirRole, _fhirPassword, FhirRole)).ShouldBeNull();
        (await ConnectAsync(SrsRole, _srsPassword, SrsRole)).ShouldBeNull();
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_the_FhirServer_role_When_it_connects_to_the_SRS_database_Then_it_is_refused()
    {
        (await ConnectAsync(FhirRole, _fhirPassword, SrsRole)).ShouldBe("42501");
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_the_SRS_role_When_it_connects_to_the_FhirServer_database_Then_it_is_refused()
    {
        (await ConnectAsync(SrsRole, _srsPassword, FhirRole)).ShouldBe("42501");
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_a_service_role_When_it_connects_to_the_maintenance_database_Then_it_is_refused()
    {
        (await ConnectAsync(FhirRole, _fhirPassword, "postgres")).ShouldBe("42501");
    }

    /// <summary>Null when the connection succeeds, else PostgreSQL's SQLSTATE.</summary>
    private static async Task<string?> ConnectAsync(string role, string password, string database)
    {
        var builder = new NpgsqlConnectionStringBuilder(TestPostgres.AdminConnectionString)
        {
            Username = role,
            Password = password,
            Database = database,
            Pooling = false,
        };
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync();
            return null;
        }
        catch (PostgresException refused)
        {
            return refused.SqlState;
        }
    }
}
