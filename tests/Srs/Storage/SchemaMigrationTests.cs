using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using SeSPHR.Srs.Storage;
using SeSPHR.Srs.Tests.Infrastructure;
using SeSPHR.Testing;

namespace SeSPHR.Srs.Tests.Storage;

/// <summary>
/// The SRS schema comes from EF Core migrations: a database that earlier builds made with
/// EnsureCreated is adopted with its data, a fresh one gets every migration, one migrated by a newer
/// build is refused, and processes that start together do not race.
/// </summary>
public sealed class SchemaMigrationTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Given_a_database_made_by_EnsureCreated_with_data_When_the_SRS_starts_Then_it_is_adopted_and_nothing_is_lost(bool olderBuild)
    {
        await using var database = await TestPostgres.CreateDatabaseAsync("srs-adopt");
        await LegacySchema.CreateAsync(database);
        if (olderBuild)
            await LegacySchema.ExecuteAsync(database, """ALTER TABLE srs.accounts DROP COLUMN "WithdrawnAt"; DROP TABLE srs.role_grants;""");
        var userId = Guid.NewGuid();
        await LegacySchema.ExecuteAsync(database, $"""
            INSERT INTO srs.accounts ("Id", "Username", "Role", "FhirUser", "Status", "KdfSalt", "KdfMemoryKiB", "KdfIterations", "KdfParallelism",
                "AuthSecretHash", "UmbralPublicKey", "SigningPublicKey", "Fingerprint", "WrappedBackup", "CreatedAt")
            VALUES ('{userId}', 'legacy-patient', 'patient', 'Patient/legacy', 'Active', '\x01', 19456, 2, 1, 'hash', '\x02', '\x03', 'fp', '\x04', now());
            INSERT INTO srs.enrolment_codes ("Id", "CodeHash", "CreatedAt", "UsedAt") VALUES (1, '\x05', now(), now());
            INSERT INTO srs.grant_statements ("PatientUserId", "Number", "StatementDigest", "SignedStatement", "ConsentId", "ReceivedAt")
            VALUES ('{userId}', 7, '\x06', '\x07', 'Consent/legacy', now());
            """);

        await using (var srs = new SrsHost(database.ConnectionString, TempDirectory()))
        {
            (await srs.CreateClient().GetAsync("/healthz")).EnsureSuccessStatusCode();
            // A token request (which loads the keys) and an account look-up work on the adopted schema.
            (await srs.CreateClient().GetAsync("/api/accounts/kdf?username=legacy-patient")).EnsureSuccessStatusCode();
            (await srs.CreateClient().GetAsync("/api/accounts/kdf?username=nobody-here")).EnsureSuccessStatusCode();
        }

        (await AppliedAsync(database)).ShouldBe(KnownMigrations());
        (await database.ScalarAsync<string>($"SELECT \"Username\" FROM srs.accounts WHERE \"Id\" = '{userId}'")).ShouldBe("legacy-patient");
        (await database.ScalarAsync<long>("SELECT \"Number\" FROM srs.grant_statements")).ShouldBe(7);
        (await database.ScalarAsync<long>("SELECT count(*) FROM srs.enrolment_codes WHERE \"UsedAt\" IS NOT NULL")).ShouldBe(1);
        (await database.ScalarAsync<long>("SELECT count(*) FROM srs.role_grants")).ShouldBe(0);
    }

    [Fact]
    public async Task Given_an_empty_database_When_the_SRS_starts_Then_every_migration_is_applied_and_it_serves()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync("srs-fresh");
        var data = TempDirectory();
        await using (var srs = new SrsHost(database.ConnectionString, data))
        {
            var jwks = await srs.CreateClient().GetFromJsonAsync<JsonElement>("/.well-known/jwks");
            jwks.GetProperty("keys").GetArrayLength().ShouldBeGreaterThan(0);
            File.Exists(srs.EnrolmentCodeFile).ShouldBeTrue();
        }

        (await AppliedAsync(database)).ShouldBe(KnownMigrations());
    }

    [Fact]
    public async Task Given_a_database_migrated_by_a_newer_build_When_the_SRS_starts_Then_it_refuses_with_a_clear_message()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync("srs-newer");
        await using (var db = Context(database))
            await SrsMigrations.MigrateAsync(db, CancellationToken.None);
        await LegacySchema.ExecuteAsync(database, $"""INSERT INTO srs."{SrsMigrations.HistoryTable}" VALUES ('99991231000000_FromANewerBuild', '99.0.0')""");

        await using var srs = new SrsHost(database.ConnectionString, TempDirectory());
        var refused = Should.Throw<SchemaTooNewException>(() => srs.CreateClient());

        refused.Message.ShouldContain("newer SRS build");
        refused.Message.ShouldContain("99991231000000_FromANewerBuild");
        (await database.ScalarAsync<long>("SELECT count(*) FROM srs.accounts")).ShouldBe(0);
    }

    [Fact]
    public async Task Given_several_SRS_processes_starting_together_on_an_EnsureCreated_database_When_they_migrate_Then_each_succeeds_and_each_migration_is_recorded_once()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync("srs-race");
        await LegacySchema.CreateAsync(database);

        var contexts = Enumerable.Range(0, 6).Select(_ => Context(database)).ToList();
        try
        {
            await Task.WhenAll(contexts.Select(db => Task.Run(() => SrsMigrations.MigrateAsync(db, CancellationToken.None))));
        }
        finally
        {
            foreach (var db in contexts)
                await db.DisposeAsync();
        }

        (await AppliedAsync(database)).ShouldBe(KnownMigrations());
    }

    private static SrsDbContext Context(TestDatabase database) =>
        new(new DbContextOptionsBuilder<SrsDbContext>()
            .UseNpgsql(database.ConnectionString, npgsql => npgsql.MigrationsHistoryTable(SrsMigrations.HistoryTable, SrsDbContext.Schema))
            .UseOpenIddict()
            .Options);

    private static List<string> KnownMigrations()
    {
        using var db = new SrsDbContext(new DbContextOptionsBuilder<SrsDbContext>().UseNpgsql("Host=unused").UseOpenIddict().Options);
        return db.Database.GetMigrations().ToList();
    }

    private static async Task<List<string>> AppliedAsync(TestDatabase database)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"""SELECT "MigrationId" FROM srs."{SrsMigrations.HistoryTable}" ORDER BY 1""", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync())
            ids.Add(reader.GetString(0));
        return ids;
    }

    private static string TempDirectory() => Directory.CreateTempSubdirectory("srs-test-").FullName;
}
