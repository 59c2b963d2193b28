using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SeSPHR.Srs.Storage;

namespace SeSPHR.Srs.Features.OAuth;

/// <summary>
/// A client assertion id (<c>jti</c>) already presented by a client, kept until the assertion could
/// no longer pass the expiry check; in the database, so every SRS process and a restart see it.
/// </summary>
public sealed class ClientAssertionUse
{
    public required string ClientId { get; init; }

    public required string JwtId { get; init; }

    public DateTimeOffset KeepUntil { get; init; }
}

internal sealed class ClientAssertionUseConfiguration : IEntityTypeConfiguration<ClientAssertionUse>
{
    public void Configure(EntityTypeBuilder<ClientAssertionUse> builder)
    {
        builder.ToTable("client_assertion_uses");
        builder.HasKey(u => new { u.ClientId, u.JwtId });
        builder.Property(u => u.ClientId).HasColumnName("client_id").HasMaxLength(100);
        builder.Property(u => u.JwtId).HasColumnName("jwt_id").HasMaxLength(SmartClientAssertions.MaxJwtIdLength);
        builder.Property(u => u.KeepUntil).HasColumnName("keep_until");
        builder.HasIndex(u => u.KeepUntil);
    }
}

/// <summary>Spends a client's assertion id once: the insert that wins the primary key is the only use.</summary>
public sealed class ClientAssertionUses(SrsDbContext db)
{
    /// <summary>True the first time (<paramref name="clientId"/>, <paramref name="jwtId"/>) is seen while it is kept.</summary>
    public async Task<bool> TrySpendAsync(string clientId, string jwtId, DateTimeOffset keepUntil, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"DELETE FROM srs.client_assertion_uses WHERE keep_until < {now}", cancellationToken);
        var inserted = await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
             INSERT INTO srs.client_assertion_uses (client_id, jwt_id, keep_until)
             VALUES ({clientId}, {jwtId}, {keepUntil})
             ON CONFLICT DO NOTHING
             """, cancellationToken);
        return inserted == 1;
    }
}
