using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SeSPHR.Srs.Storage;

namespace SeSPHR.Srs.Security;

/// <summary>
/// A key the SRS made for itself at first start and keeps in its database, so that what it signs
/// or encrypts survives restarts: the token signing key (ECDSA P-256, PKCS#8), the key OpenIddict
/// encrypts its authorization codes and refresh tokens with (AES-256), and the secret the KDF
/// endpoint derives stable fake salts for unknown users from.
/// </summary>
public sealed class ServerKey
{
    public required string Purpose { get; init; }

    public required string KeyId { get; init; }

    public required byte[] Material { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}

public static class ServerKeyPurposes
{
    public const string TokenSigning = "token-signing";
    public const string TokenEncryption = "token-encryption";
    public const string KdfFakes = "kdf-fakes";
}

internal sealed class ServerKeyConfiguration : IEntityTypeConfiguration<ServerKey>
{
    public void Configure(EntityTypeBuilder<ServerKey> builder)
    {
        builder.ToTable("server_keys");
        builder.HasKey(k => k.Purpose);
        builder.Property(k => k.Purpose).HasMaxLength(40);
        builder.Property(k => k.KeyId).HasMaxLength(64);
    }
}

/// <summary>Reads the SRS's own keys, creating each the first time it is asked for.</summary>
public sealed class ServerKeyStore(SrsDbContext db, TimeProvider time)
{
    public async Task EnsureAllAsync(CancellationToken cancellationToken)
    {
        await GetAsync(ServerKeyPurposes.TokenSigning, cancellationToken);
        await GetAsync(ServerKeyPurposes.TokenEncryption, cancellationToken);
        await GetAsync(ServerKeyPurposes.KdfFakes, cancellationToken);
    }

    public async Task<ServerKey> GetAsync(string purpose, CancellationToken cancellationToken)
    {
        var existing = await db.Set<ServerKey>().AsNoTracking().SingleOrDefaultAsync(k => k.Purpose == purpose, cancellationToken);
        if (existing is not null)
            return existing;

        var created = new ServerKey
        {
            Purpose = purpose,
            KeyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            Material = NewMaterial(purpose),
            CreatedAt = time.GetUtcNow(),
        };
        db.Add(created);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return created;
        }
        catch (DbUpdateException)
        {
            // Another SRS process created it first: use theirs.
            db.ChangeTracker.Clear();
            return await db.Set<ServerKey>().AsNoTracking().SingleAsync(k => k.Purpose == purpose, cancellationToken);
        }
    }

    private static byte[] NewMaterial(string purpose)
    {
        if (purpose == ServerKeyPurposes.TokenSigning)
        {
            using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            return ecdsa.ExportPkcs8PrivateKey();
        }

        return RandomNumberGenerator.GetBytes(32);
    }
}
