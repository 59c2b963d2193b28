using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Options;
using SeSPHR.Srs.Storage;

namespace SeSPHR.Srs.Security;

/// <summary>
/// A key the SRS made for itself and keeps in its database, sealed under the key-encryption key
/// (<see cref="KeyEncryptionKey"/>), so that what it signs or encrypts survives restarts and a copy
/// of the database yields no key: the token signing keys (ECDSA P-256, PKCS#8; several while one
/// replaces another), the key OpenIddict encrypts its authorization codes and refresh tokens with
/// (AES-256), and the secret the KDF endpoint derives stable fake salts for unknown users from.
/// </summary>
public sealed class ServerKey
{
    public required string Purpose { get; init; }

    public required string KeyId { get; init; }

    /// <summary>The sealed key (nonce, ciphertext, tag); plaintext only in rows of builds before sealing, until the next start seals them.</summary>
    public required byte[] Material { get; set; }

    public bool Sealed { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>For a signing key: from when it signs (it is published from its creation).</summary>
    public DateTimeOffset? SignsFrom { get; set; }

    /// <summary>For a signing key: until when it signs; it stays published until the last token it signed has expired.</summary>
    public DateTimeOffset? SignsUntil { get; set; }
}

/// <summary>A server key opened with the key-encryption key, for use in this process only.</summary>
public sealed record OpenServerKey(string Purpose, string KeyId, byte[] Material, DateTimeOffset? SignsFrom, DateTimeOffset? SignsUntil);

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
        builder.HasKey(k => k.KeyId);
        builder.Property(k => k.Purpose).HasMaxLength(40);
        builder.Property(k => k.KeyId).HasMaxLength(64);
        // One encryption key and one KDF secret; signing keys follow each other.
        builder.HasIndex(k => k.Purpose).IsUnique().HasFilter($"\"Purpose\" <> '{ServerKeyPurposes.TokenSigning}'");
    }
}

/// <summary>How long a token signing key signs, how early its successor is published, and how often the SRS checks.</summary>
public sealed class SigningKeySettings
{
    public const string Section = "Srs:SigningKeys";

    /// <summary>How long one key signs before its successor takes over.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromDays(90);

    /// <summary>
    /// How long before it signs a successor is in the JWKS: longer than any verifier caches the
    /// JWKS (the FhirServer refreshes it at least every 12 hours, and at once on an unknown key id).
    /// </summary>
    public TimeSpan Prepublish { get; set; } = TimeSpan.FromDays(2);

    /// <summary>
    /// How long a key that no longer signs stays in the JWKS and validates: at least the longest
    /// lifetime of anything it signed (refresh tokens, 14 days).
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(14);

    /// <summary>How often each SRS process looks for a due rotation and reloads its keys.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>
/// Reads the SRS's own keys, creating each the first time it is asked for, seals keys that older
/// builds stored in plaintext, and makes and retires token signing keys on their schedule.
/// </summary>
public sealed class ServerKeyStore(SrsDbContext db, KeyEncryptionKey kek, TimeProvider time, IOptions<SigningKeySettings> settings)
{
    /// <summary>Serialises signing-key rotation between SRS processes (key "SRSROTAT" in ASCII; a transaction lock, so nothing outlives the transaction).</summary>
    private const string RotationLock = "SELECT pg_advisory_xact_lock(6003952866221637972)";

    /// <summary>The single key of <paramref name="purpose"/> (token encryption, KDF fakes), opened.</summary>
    public async Task<OpenServerKey> GetAsync(string purpose, CancellationToken cancellationToken)
    {
        var existing = await db.Set<ServerKey>().AsNoTracking().SingleOrDefaultAsync(k => k.Purpose == purpose, cancellationToken);
        if (existing is not null)
            return Open(existing);

        var created = NewKey(purpose, signsFrom: null);
        db.Add(created.Row);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return created.Opened;
        }
        catch (DbUpdateException)
        {
            // Another SRS process created it first: use theirs.
            db.ChangeTracker.Clear();
            return Open(await db.Set<ServerKey>().AsNoTracking().SingleAsync(k => k.Purpose == purpose, cancellationToken));
        }
    }

    /// <summary>
    /// The signing keys to publish and validate with, the one that signs now first: a first key
    /// when there is none, a successor made <see cref="SigningKeySettings.Prepublish"/> before the
    /// newest stops signing, and keys past their retention deleted.
    /// </summary>
    public async Task<IReadOnlyList<OpenServerKey>> RotateSigningKeysAsync(CancellationToken cancellationToken)
    {
        var schedule = settings.Value;
        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlRawAsync(RotationLock, cancellationToken);
        var keys = await db.Set<ServerKey>().Where(k => k.Purpose == ServerKeyPurposes.TokenSigning).ToListAsync(cancellationToken);

        var lastUntil = keys.Max(k => k.SignsUntil);
        if (lastUntil is null || lastUntil.Value - now <= schedule.Prepublish)
        {
            var successor = NewKey(ServerKeyPurposes.TokenSigning, signsFrom: lastUntil is { } until && until > now ? until : now);
            db.Add(successor.Row);
            keys.Add(successor.Row);
        }

        var retired = keys.Where(k => k.SignsUntil + schedule.Retention < now).ToList();
        db.RemoveRange(retired);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        return keys.Except(retired)
            .OrderByDescending(k => k.SignsFrom <= now && now < k.SignsUntil)
            .ThenByDescending(k => k.SignsFrom)
            .Select(Open)
            .ToList();
    }

    /// <summary>Seals the keys that builds before sealing stored in plaintext, and puts their signing key on the schedule.</summary>
    public async Task SealPlaintextKeysAsync(CancellationToken cancellationToken)
    {
        var plaintext = await db.Set<ServerKey>().Where(k => !k.Sealed).ToListAsync(cancellationToken);
        foreach (var key in plaintext)
        {
            var material = key.Material;
            key.Material = kek.Seal(material, key.Purpose, key.KeyId);
            key.Sealed = true;
            CryptographicOperations.ZeroMemory(material);
            if (key.Purpose == ServerKeyPurposes.TokenSigning && key.SignsFrom is null)
            {
                key.SignsFrom = key.CreatedAt;
                key.SignsUntil = key.CreatedAt + settings.Value.Lifetime;
            }
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private OpenServerKey Open(ServerKey key) =>
        new(key.Purpose, key.KeyId, key.Sealed ? kek.Open(key.Material, key.Purpose, key.KeyId) : key.Material, key.SignsFrom, key.SignsUntil);

    private (ServerKey Row, OpenServerKey Opened) NewKey(string purpose, DateTimeOffset? signsFrom)
    {
        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var material = NewMaterial(purpose);
        var row = new ServerKey
        {
            Purpose = purpose,
            KeyId = keyId,
            Material = kek.Seal(material, purpose, keyId),
            Sealed = true,
            CreatedAt = time.GetUtcNow(),
            SignsFrom = signsFrom,
            SignsUntil = signsFrom + settings.Value.Lifetime,
        };
        return (row, new OpenServerKey(purpose, keyId, material, row.SignsFrom, row.SignsUntil));
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
