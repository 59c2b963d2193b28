using Microsoft.EntityFrameworkCore;
using SeSPHR.Srs.Features.Grants;

namespace SeSPHR.Srs.Storage;

/// <summary>The role grants of each Consent as last reconciled, for the patient's list of pending role members.</summary>
public sealed partial class SrsDbContext
{
    public DbSet<RoleGrantRecord> RoleGrants => Set<RoleGrantRecord>();
}
