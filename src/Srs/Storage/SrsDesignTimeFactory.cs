using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace SeSPHR.Srs.Storage;

/// <summary>
/// The context <c>dotnet ef migrations add</c> builds the model from. It never connects: adding a
/// migration compares the model with the last snapshot only.
/// </summary>
internal sealed class SrsDesignTimeFactory : IDesignTimeDbContextFactory<SrsDbContext>
{
    public SrsDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SrsDbContext>()
            .UseNpgsql("Host=design-time-only", npgsql => npgsql.MigrationsHistoryTable(SrsMigrations.HistoryTable, SrsDbContext.Schema))
            .UseOpenIddict()
            .Options);
}
