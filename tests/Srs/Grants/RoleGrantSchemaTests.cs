using Microsoft.EntityFrameworkCore;
using SeSPHR.Srs.Features.Grants;
using SeSPHR.Srs.Storage;
using SeSPHR.Testing;

namespace SeSPHR.Srs.Tests.Grants;

/// <summary>An SRS database made before role grants existed gets the role-grant table at start, and the reconcile can write it.</summary>
public sealed class RoleGrantSchemaTests
{
    [Fact]
    public async Task Given_a_database_without_the_role_grant_table_When_the_schema_is_ensured_Then_role_grants_are_stored_and_read()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync("srsrolegrants");
        await using var db = new SrsDbContext(new DbContextOptionsBuilder<SrsDbContext>().UseNpgsql(database.ConnectionString).Options);
        await db.Database.EnsureCreatedAsync();
        await db.Database.ExecuteSqlRawAsync("DROP TABLE srs.role_grants");

        await RoleGrantSchema.EnsureAsync(db, CancellationToken.None);
        await RoleGrantSchema.EnsureAsync(db, CancellationToken.None);

        db.RoleGrants.Add(new RoleGrantRecord { ConsentId = "Consent/c1", PatientFhirUser = "Patient/p1", Role = "researcher", Section = "vitals", End = DateTimeOffset.UnixEpoch });
        await db.SaveChangesAsync();
        (await db.RoleGrants.AsNoTracking().SingleAsync()).End.ShouldBe(DateTimeOffset.UnixEpoch);
    }
}
