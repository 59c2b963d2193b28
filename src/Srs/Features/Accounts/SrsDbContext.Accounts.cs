using SeSPHR.Srs.Features.Accounts;

namespace SeSPHR.Srs.Storage;

public sealed partial class SrsDbContext
{
    public Microsoft.EntityFrameworkCore.DbSet<Account> Accounts => Set<Account>();
}
