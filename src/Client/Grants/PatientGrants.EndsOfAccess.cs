using SeSPHR.Phr.Sections;

namespace SeSPHR.Client.Grants;

/// <summary>What one run of the patient's client found ended and moved to new epochs.</summary>
public sealed record EndsOfAccess(IReadOnlyList<string> ExpiredConsents, IReadOnlyList<string> DepartedGrantees, IReadOnlyList<string> DepartedMembers)
{
    public bool Any => ExpiredConsents.Count + DepartedGrantees.Count + DepartedMembers.Count > 0;
}

/// <summary>
/// Every end of access starts a new epoch (DESIGN.md §3). The SRS stops re-encryption by itself (a
/// period that ended, a member's kfrags deleted when they leave); this is the patient's client, on
/// its next run, moving the affected sections on: a new key pair, kfrags of the new epoch for those
/// who keep access, and a new statement on every Consent.
/// </summary>
public sealed partial class PatientGrants
{
    /// <summary>
    /// The client's next run: finishes interrupted operations, then ends grants whose period is over
    /// (the Consent is made inactive and its sections move on), grants whose grantee is no longer an
    /// active user with the approved keys, and role members who left the role (no longer active in
    /// it, other keys, or their kfrags gone from the SRS): they are taken out of the statement and
    /// the role grant's sections move to a new epoch; they may come back later as pending members.
    /// </summary>
    public async Task<EndsOfAccess> RunEndsOfAccessAsync(DateTimeOffset? now = null)
    {
        await RepairAsync();
        var at = now ?? DateTimeOffset.UtcNow;
        var expired = new List<string>();
        foreach (var grantee in Book.Grantees.Where(g => g.End <= at).ToList())
        {
            await RevokeAsync(grantee.ConsentId);
            expired.Add(grantee.ConsentId);
        }

        foreach (var grant in Book.RoleGrants.Where(g => g.End <= at).ToList())
        {
            await RevokeRoleAsync(grant.ConsentId);
            expired.Add(grant.ConsentId);
        }

        var departedGrantees = new List<string>();
        foreach (var grantee in Book.Grantees.ToList())
        {
            var entry = await _patient.Srs.FindByFhirUserAsync(grantee.GranteeFhirUser, await _patient.GetSrsAccessTokenAsync());
            if (entry is null || entry.Status != "active" || entry.UserId.ToString() != grantee.GranteeUserId || entry.Fingerprint != grantee.FingerprintHex)
            {
                await RevokeAsync(grantee.ConsentId);
                departedGrantees.Add(grantee.GranteeUserId);
            }
        }

        var departedMembers = new List<string>();
        foreach (var grant in Book.RoleGrants.ToList())
        {
            var gone = await DepartedMembersAsync(grant);
            if (gone.Count == 0)
            {
                continue;
            }

            grant.Members.RemoveAll(gone.Contains);
            foreach (var section in grant.RekeyedOnEnd)
            {
                Book.Epochs[section]++;
            }

            Book.AdvanceStatement(DateTimeOffset.UtcNow);
            var operation = new GrantOperation(GrantOperationKind.MoveEpochs, grant.ConsentId, RekeyedSections: grant.RekeyedOnEnd);
            _journal.Begin(Book, operation);
            await RunAsync(operation);
            departedMembers.AddRange(gone.Select(m => m.GranteeUserId));
        }

        return new EndsOfAccess(expired, departedGrantees, departedMembers);
    }

    private async Task<List<GranteeRecord>> DepartedMembersAsync(RoleGrant grant)
    {
        if (grant.Members.Count == 0)
        {
            return [];
        }

        var current = new Dictionary<string, DirectoryEntryResponse>(StringComparer.OrdinalIgnoreCase);
        foreach (var member in grant.Members)
        {
            if (await _patient.Srs.FindUserAsync(member.GranteeUserId, await _patient.GetSrsAccessTokenAsync()) is { Status: "active" } entry && entry.Role == grant.Role)
            {
                current[entry.UserId.ToString()] = entry;
            }
        }

        var kfrags = await _patient.Srs.GetGrantsAsync("Consent/" + grant.ConsentId, await _patient.GetSrsAccessTokenAsync());
        bool HoldsActiveKfrags(GranteeRecord member) => member.Sections.All(section => kfrags.Any(k =>
            k.GranteeId == Guid.Parse(member.GranteeUserId) && k.Section == section.ToCode() && k.State == "active"));
        return [.. grant.Members.Where(member =>
            !current.TryGetValue(member.GranteeUserId, out var entry) || entry.Fingerprint != member.FingerprintHex || !HoldsActiveKfrags(member))];
    }
}
