using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace SeSPHR.Srs.Storage;

/// <summary>
/// Brings the SRS database to this build's schema with EF Core migrations, under a PostgreSQL
/// advisory lock so that SRS processes starting together migrate one after the other. A database
/// made by earlier builds with <c>EnsureCreated</c> (tables, no migration history) is adopted: the
/// columns and tables those builds added by hand are added if missing, and the initial migration,
/// which creates exactly that schema, is recorded as applied. A database that a newer build has
/// migrated further is refused, so this build never writes rows a newer layout does not expect.
/// </summary>
public static class SrsMigrations
{
    public const string HistoryTable = "__EFMigrationsHistory";

    /// <summary>The initial migration: the schema <c>EnsureCreated</c> made before migrations existed.</summary>
    public const string Initial = "20261207042643_Initial";

    /// <summary>The advisory lock every SRS process takes while it migrates (its key is "SRSMIGRA" in ASCII).</summary>
    private const string TakeLock = "SELECT pg_advisory_lock(6003952844645290561)";

    private const string ReleaseLock = "SELECT pg_advisory_unlock(6003952844645290561)";

    public static async Task MigrateAsync(SrsDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        // A session lock on the context's own connection, held open across the migration and
        // released explicitly: pooled connections are not reset on close (StorageSetup), so the lock
        // must not go back to the pool with it. A connection that breaks takes its lock with it.
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await db.Database.ExecuteSqlRawAsync(TakeLock, cancellationToken);
            try
            {
                await AdoptEnsureCreatedSchemaAsync(db, cancellationToken);
                RefuseNewerSchema(await db.Database.GetAppliedMigrationsAsync(cancellationToken), db.Database.GetMigrations());
                await db.Database.MigrateAsync(cancellationToken);
            }
            finally
            {
                await db.Database.ExecuteSqlRawAsync(ReleaseLock, CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Refuses a database that holds migrations this build does not know: a newer build migrated it.</summary>
    public static void RefuseNewerSchema(IEnumerable<string> applied, IEnumerable<string> known)
    {
        var unknown = applied.Except(known, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw new SchemaTooNewException(
                $"The SRS database was migrated by a newer SRS build (migrations this build does not know: {string.Join(", ", unknown)}). "
                + "Run that build or a newer one; this build refuses to start rather than write to a schema it does not understand.");
        }
    }

    /// <summary>
    /// Records the initial migration as applied on a database that has the SRS's tables but no
    /// migration history, after adding what builds before the last <c>EnsureCreated</c> one lacked.
    /// </summary>
    private static async Task AdoptEnsureCreatedSchemaAsync(SrsDbContext db, CancellationToken cancellationToken)
    {
        // Checked here rather than with IHistoryRepository.Exists, which answers true for this
        // provider before the history table exists.
        if (!await IsUnmigratedEnsureCreatedSchemaAsync(db, cancellationToken))
            return;

        var history = db.GetService<IHistoryRepository>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await Features.Accounts.AccountSchema.EnsureAsync(db, cancellationToken);
        await Features.Grants.RoleGrantSchema.EnsureAsync(db, cancellationToken);
        await db.Database.ExecuteSqlRawAsync(history.GetCreateIfNotExistsScript(), cancellationToken);
        await db.Database.ExecuteSqlRawAsync(history.GetInsertScript(new HistoryRow(Initial, ProductInfo.GetVersion())), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task<bool> IsUnmigratedEnsureCreatedSchemaAsync(SrsDbContext db, CancellationToken cancellationToken) =>
        await db.Database.SqlQuery<bool>(
            $"SELECT to_regclass('srs.accounts') IS NOT NULL AND to_regclass('srs.\"__EFMigrationsHistory\"') IS NULL AS \"Value\"")
            .SingleAsync(cancellationToken);
}

/// <summary>The SRS database was migrated by a newer build than this one.</summary>
public sealed class SchemaTooNewException : InvalidOperationException
{
    public SchemaTooNewException()
    {
    }

    public SchemaTooNewException(string message)
        : base(message)
    {
    }

    public SchemaTooNewException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
