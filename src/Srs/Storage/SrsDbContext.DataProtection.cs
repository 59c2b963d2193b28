using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace SeSPHR.Srs.Storage;

/// <summary>The data-protection key ring behind the login cookie, shared by every SRS process on this database; each key sealed (SealedXmlEncryptor).</summary>
public sealed partial class SrsDbContext : IDataProtectionKeyContext
{
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
}
