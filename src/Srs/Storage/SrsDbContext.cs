using Microsoft.EntityFrameworkCore;

namespace SeSPHR.Srs.Storage;

/// <summary>
/// The SRS's own database: accounts and the key directory, OpenIddict's applications,
/// authorizations and tokens, and the re-encryption keys. Each feature folder configures its
/// entities with <see cref="IEntityTypeConfiguration{TEntity}"/> classes and adds its sets in a
/// partial part of this class, so features do not edit each other's files.
/// </summary>
public sealed partial class SrsDbContext(DbContextOptions<SrsDbContext> options) : DbContext(options)
{
    public const string Schema = "srs";

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(SrsDbContext).Assembly);
        modelBuilder.UseOpenIddict();
        base.OnModelCreating(modelBuilder);
    }
}
