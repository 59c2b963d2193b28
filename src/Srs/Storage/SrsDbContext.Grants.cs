using Microsoft.EntityFrameworkCore;
using SeSPHR.Srs.Features.Grants;

namespace SeSPHR.Srs.Storage;

/// <summary>The re-encryption keys (kfrags), the patients' newest grant statements and the re-encryption log.</summary>
public sealed partial class SrsDbContext
{
    public DbSet<ReencryptionKey> ReencryptionKeys => Set<ReencryptionKey>();

    public DbSet<StoredGrantStatement> GrantStatements => Set<StoredGrantStatement>();

    public DbSet<KnownSectionKey> SectionKeys => Set<KnownSectionKey>();

    public DbSet<ReencryptionLogEntry> ReencryptionLog => Set<ReencryptionLogEntry>();
}
