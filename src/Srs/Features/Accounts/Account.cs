using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SeSPHR.Srs.Features.Accounts;

/// <summary>
/// A user of the SRS: their public keys (the key directory), the public Argon2id settings their
/// client stretches the password with, the slow hash of the authentication secret derived from it
/// (never the secret), and the password-wrapped key backup the SRS cannot open.
/// </summary>
public sealed class Account
{
    public Guid Id { get; init; }

    /// <summary>Also the PasswordMasterKey's user id (the salt binding), so it never changes.</summary>
    public required string Username { get; init; }

    public required string Role { get; init; }

    /// <summary>Relative FHIR reference, e.g. <c>Patient/p1</c>.</summary>
    public required string FhirUser { get; init; }

    public AccountStatus Status { get; set; }

    /// <summary>
    /// When an admin last took this account's access away (suspension, or approval withdrawn);
    /// null for an account that never lost it. Tokens issued before it are refused by the FhirServer.
    /// </summary>
    public DateTimeOffset? WithdrawnAt { get; set; }

    public required byte[] KdfSalt { get; init; }

    public int KdfMemoryKiB { get; init; }

    public int KdfIterations { get; init; }

    public int KdfParallelism { get; init; }

    /// <summary>Argon2id PHC string of the authentication secret.</summary>
    public required string AuthSecretHash { get; init; }

    public required byte[] UmbralPublicKey { get; init; }

    public required byte[] SigningPublicKey { get; init; }

    /// <summary>64 lowercase hex digits of the KeyFingerprint over both public keys.</summary>
    public required string Fingerprint { get; init; }

    public required byte[] WrappedBackup { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public bool IsActive => Status == AccountStatus.Active;

    public DirectoryEntry ToDirectoryEntry() =>
        new(Id, Username, Role, FhirUser, Status, UmbralPublicKey, SigningPublicKey, Fingerprint);
}

internal sealed class AccountConfiguration : IEntityTypeConfiguration<Account>
{
    public void Configure(EntityTypeBuilder<Account> builder)
    {
        builder.ToTable("accounts");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Username).HasMaxLength(64);
        builder.HasIndex(a => a.Username).IsUnique();
        builder.Property(a => a.FhirUser).HasMaxLength(128);
        builder.HasIndex(a => a.FhirUser).IsUnique();
        builder.Property(a => a.Role).HasMaxLength(32);
        builder.HasIndex(a => a.Role);
        builder.Property(a => a.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(a => a.Fingerprint).HasMaxLength(64);
        builder.Ignore(a => a.IsActive);
    }
}

/// <summary>
/// Adds the <c>WithdrawnAt</c> column to an accounts table made before it existed (EnsureCreated
/// builds tables only in an empty database).
/// </summary>
public static class AccountSchema
{
    public static async Task EnsureAsync(Storage.SrsDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        await db.Database.ExecuteSqlRawAsync(
            """ALTER TABLE srs.accounts ADD COLUMN IF NOT EXISTS "WithdrawnAt" timestamp with time zone NULL;""", cancellationToken);
    }
}

/// <summary>The enrolment code of the first admin: only its SHA-256 is kept, and it is used at most once.</summary>
public sealed class EnrolmentCode
{
    public int Id { get; init; }

    public required byte[] CodeHash { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? UsedAt { get; set; }
}

internal sealed class EnrolmentCodeConfiguration : IEntityTypeConfiguration<EnrolmentCode>
{
    public void Configure(EntityTypeBuilder<EnrolmentCode> builder)
    {
        builder.ToTable("enrolment_codes");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).ValueGeneratedNever();
    }
}
