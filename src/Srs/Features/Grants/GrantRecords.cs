using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SeSPHR.Srs.Features.Grants;

/// <summary>Whether a kfrag may re-encrypt: it is uploaded pending and becomes active only when the FhirServer reconciles its Consent.</summary>
public enum ReencryptionKeyState
{
    Pending,
    Active,
}

/// <summary>
/// One kfrag the patient made for one grantee, one section and one key epoch, with the period the
/// grant allows. The bytes never leave the SRS; only the metadata is listed back to the patient.
/// Threshold readiness: each row is one share (<see cref="Threshold"/> of <see cref="Shares"/>), so
/// a t-of-n deployment runs n nodes, each holding its own share under the same kfrag id scheme.
/// </summary>
public sealed class ReencryptionKey
{
    public long Id { get; set; }

    public Guid PatientUserId { get; set; }

    /// <summary>Relative reference, <c>Patient/p1</c>: what the FhirServer names in a re-encryption request.</summary>
    public required string PatientFhirUser { get; set; }

    /// <summary><c>Consent/{id}</c>: the Consent whose reconciliation activates or deletes this kfrag.</summary>
    public required string ConsentId { get; set; }

    public required string Section { get; set; }

    public long Epoch { get; set; }

    public Guid GranteeUserId { get; set; }

    public required byte[] DelegatingPublicKey { get; set; }

    public required byte[] KeyFragBytes { get; set; }

    /// <summary>Umbral's 32-byte kfrag id (also carried by every cfrag made from it).</summary>
    public required byte[] KeyFragId { get; set; }

    public int Threshold { get; set; } = 1;

    public int Shares { get; set; } = 1;

    /// <summary>Inclusive.</summary>
    public DateTimeOffset Start { get; set; }

    /// <summary>Exclusive; null means until revoked.</summary>
    public DateTimeOffset? End { get; set; }

    public ReencryptionKeyState State { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? ActivatedAt { get; set; }

    public bool Covers(DateTimeOffset at) => at >= Start && (End is null || at < End);
}

/// <summary>The newest grant statement a patient uploaded, kept to refuse an older one (a replay that would restore withdrawn access).</summary>
public sealed class StoredGrantStatement
{
    public Guid PatientUserId { get; set; }

    public long Number { get; set; }

    /// <summary>SHA-256 of the canonical statement bytes, to tell a re-signed copy from a different statement under the same number.</summary>
    public required byte[] StatementDigest { get; set; }

    /// <summary>The signed wire form, as uploaded.</summary>
    public required byte[] SignedStatement { get; set; }

    public required string ConsentId { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }
}

/// <summary>
/// A section's delegating public key for one epoch as some signed statement named it. A statement
/// names only the current epoch; these rows let kfrags for earlier epochs be checked against the key
/// an earlier statement named.
/// </summary>
public sealed class KnownSectionKey
{
    public Guid PatientUserId { get; set; }

    public required string Section { get; set; }

    public long Epoch { get; set; }

    public required byte[] PublicKey { get; set; }
}

/// <summary>One re-encryption request item and what came of it. Never the capsule or the cfrag.</summary>
public sealed class ReencryptionLogEntry
{
    public long Id { get; set; }

    public DateTimeOffset At { get; set; }

    public Guid GranteeUserId { get; set; }

    public required string PatientFhirUser { get; set; }

    public required string Section { get; set; }

    public long Epoch { get; set; }

    /// <summary><c>granted</c> or the refusal code (<c>no-grant</c>, <c>expired</c>, <c>bad-capsule</c>).</summary>
    public required string Outcome { get; set; }

    /// <summary>The kfrag row used, when one was.</summary>
    public long? ReencryptionKeyId { get; set; }
}

internal sealed class ReencryptionKeyConfiguration : IEntityTypeConfiguration<ReencryptionKey>
{
    public void Configure(EntityTypeBuilder<ReencryptionKey> builder)
    {
        builder.ToTable("reencryption_keys");
        builder.HasKey(k => k.Id);
        builder.Property(k => k.PatientFhirUser).HasMaxLength(256);
        builder.Property(k => k.ConsentId).HasMaxLength(80);
        builder.Property(k => k.Section).HasMaxLength(32);
        builder.Property(k => k.DelegatingPublicKey).HasMaxLength(33);
        builder.Property(k => k.KeyFragId).HasMaxLength(32);
        builder.Property(k => k.State).HasConversion<string>().HasMaxLength(16);
        builder.HasIndex(k => k.ConsentId);
        // The re-encryption lookup: a grantee's active kfrags for a patient's section.
        builder.HasIndex(k => new { k.GranteeUserId, k.PatientFhirUser, k.Section, k.Epoch });
        builder.HasIndex(k => new { k.State, k.CreatedAt });
    }
}

internal sealed class StoredGrantStatementConfiguration : IEntityTypeConfiguration<StoredGrantStatement>
{
    public void Configure(EntityTypeBuilder<StoredGrantStatement> builder)
    {
        builder.ToTable("grant_statements");
        builder.HasKey(s => s.PatientUserId);
        builder.Property(s => s.ConsentId).HasMaxLength(80);
        builder.Property(s => s.StatementDigest).HasMaxLength(32);
    }
}

internal sealed class KnownSectionKeyConfiguration : IEntityTypeConfiguration<KnownSectionKey>
{
    public void Configure(EntityTypeBuilder<KnownSectionKey> builder)
    {
        builder.ToTable("section_keys");
        builder.HasKey(k => new { k.PatientUserId, k.Section, k.Epoch });
        builder.Property(k => k.Section).HasMaxLength(32);
        builder.Property(k => k.PublicKey).HasMaxLength(33);
    }
}

internal sealed class ReencryptionLogEntryConfiguration : IEntityTypeConfiguration<ReencryptionLogEntry>
{
    public void Configure(EntityTypeBuilder<ReencryptionLogEntry> builder)
    {
        builder.ToTable("reencryption_log");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.PatientFhirUser).HasMaxLength(256);
        builder.Property(e => e.Section).HasMaxLength(32);
        builder.Property(e => e.Outcome).HasMaxLength(16);
        builder.HasIndex(e => new { e.PatientFhirUser, e.At });
    }
}
