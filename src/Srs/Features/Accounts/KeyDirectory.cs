using Microsoft.EntityFrameworkCore;
using SeSPHR.Srs.Storage;

namespace SeSPHR.Srs.Features.Accounts;

/// <summary>The key directory over the accounts table.</summary>
public sealed class KeyDirectory(SrsDbContext db) : IKeyDirectory
{
    public async Task<DirectoryEntry?> FindAsync(Guid userId, CancellationToken cancellationToken) =>
        (await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == userId, cancellationToken))?.ToDirectoryEntry();

    public async Task<DirectoryEntry?> FindByFhirUserAsync(string fhirUser, CancellationToken cancellationToken) =>
        (await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.FhirUser == fhirUser, cancellationToken))?.ToDirectoryEntry();
}
