using SeSPHR.Crypto.Grants;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Phr.Sections;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.Client.Grants;

/// <summary>
/// Role grants (DESIGN.md §5, flow 3): the patient's client grants sections to every user of a role,
/// makes kfrags for the members active in the directory now, and names them in the statement;
/// members who join later wait as pending (listed by the SRS) until the client approves them.
/// </summary>
public sealed partial class PatientGrants
{
    /// <summary>The roles the SRS directory lists to a patient (API.md): the professional ones.</summary>
    private static readonly string[] ListableRoles = [SrsRoles.Practitioner, SrsRoles.Insurer, SrsRoles.Pharmacist, SrsRoles.Researcher];

    /// <summary>
    /// Grants <paramref name="sections"/> to every user of <paramref name="role"/> (a SeSPHR role code)
    /// and, when <paramref name="writeSections"/> names any, the right to write those sections, as a grant
    /// to one user does. The role's active members, as the directory lists them now (professional roles
    /// only), get kfrags and their statement entries when <paramref name="approve"/> accepts them (every
    /// one when it is null); the patient's own account never. Members of a role the directory does not
    /// list wait as pending members.
    /// </summary>
    public async Task<RoleGrant> GrantRoleAsync(string role, IReadOnlyList<PhrSection> sections, DateTimeOffset? end = null, Func<DirectoryEntryResponse, bool>? approve = null,
        IReadOnlyList<PhrSection>? writeSections = null)
    {
        var now = DateTimeOffset.UtcNow;
        var grant = new RoleGrant
        {
            ConsentId = "role-" + Guid.NewGuid().ToString("N"),
            Role = role,
            Sections = sections.Distinct().ToList(),
            WriteSections = writeSections?.Distinct().ToList() ?? [],
            Start = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds()),
            End = end,
        };
        foreach (var entry in await ActiveMembersAsync(role))
        {
            if ((approve?.Invoke(entry) ?? true) && MemberOf(grant, entry.UserId.ToString(), entry.FhirUser, entry.UmbralPublicKey, entry.SigningPublicKey, entry.Fingerprint) is { } member)
            {
                grant.Members.Add(member);
            }
        }

        Book.RoleGrants.Add(grant);
        Book.AdvanceStatement(now);
        var operation = new GrantOperation(GrantOperationKind.Grant, grant.ConsentId);
        _journal.Begin(Book, operation);
        await RunAsync(operation);
        return grant;
    }

    /// <summary>Members of the patient's role grants who have no kfrag of that grant yet (the SRS's list).</summary>
    public async Task<IReadOnlyList<PendingMemberResponse>> PendingMembersAsync() =>
        await _patient.Srs.GetPendingMembersAsync(await _patient.GetSrsAccessTokenAsync());

    /// <summary>
    /// Approves the pending members <paramref name="approve"/> accepts: each role grant that gains
    /// members gets a new statement naming them and kfrags for them over every epoch, so they read
    /// the section's whole history. The rest stay pending. Returns the members approved.
    /// </summary>
    public async Task<IReadOnlyList<PendingMemberResponse>> ApprovePendingAsync(Func<PendingMemberResponse, bool> approve)
    {
        ArgumentNullException.ThrowIfNull(approve);
        var approved = new List<PendingMemberResponse>();
        foreach (var consent in (await PendingMembersAsync()).GroupBy(p => p.ConsentId))
        {
            if (Book.FindRoleGrant(BareId(consent.Key)) is not { } grant)
            {
                continue;
            }

            var added = 0;
            foreach (var pending in consent.Where(approve))
            {
                if (grant.Members.Any(m => m.GranteeUserId == pending.UserId.ToString())
                    || MemberOf(grant, pending.UserId.ToString(), pending.SelfChosen.FhirUser, pending.UmbralPublicKey, pending.SigningPublicKey, pending.Fingerprint) is not { } member)
                {
                    continue;
                }

                grant.Members.Add(member);
                approved.Add(pending);
                added++;
            }

            if (added > 0)
            {
                Book.AdvanceStatement(DateTimeOffset.UtcNow);
                var operation = new GrantOperation(GrantOperationKind.Grant, grant.ConsentId);
                _journal.Begin(Book, operation);
                await RunAsync(operation);
            }
        }

        return approved;
    }

    /// <summary>Ends a role grant: its Consent becomes inactive (or is deleted), then its sections move to a new epoch.</summary>
    public async Task RevokeRoleAsync(string consentId, bool deleteConsent = false)
    {
        var grant = Book.FindRoleGrant(consentId) ?? throw new ArgumentException($"No current role grant under {consentId}.", nameof(consentId));
        Book.RoleGrants.Remove(grant);
        var rekeyed = grant.RekeyedOnEnd;
        foreach (var section in rekeyed)
        {
            Book.Epochs[section]++;
        }

        Book.AdvanceStatement(DateTimeOffset.UtcNow);
        var operation = new GrantOperation(GrantOperationKind.Revoke, consentId, deleteConsent, rekeyed);
        _journal.Begin(Book, operation);
        await RunAsync(operation);
    }

    /// <summary>
    /// Ends the current grant under <paramref name="consentId"/>, to a user or to a role alike
    /// (<see cref="RevokeAsync"/>, <see cref="RevokeRoleAsync"/>); false when the book holds no such grant.
    /// </summary>
    public async Task<bool> EndGrantAsync(string consentId)
    {
        var bare = BareId(consentId);
        if (Book.FindGrantee(bare) is not null)
        {
            await RevokeAsync(bare);
            return true;
        }

        if (Book.FindRoleGrant(bare) is not null)
        {
            await RevokeRoleAsync(bare);
            return true;
        }

        return false;
    }

    private async Task RunRoleGrantAsync(RoleGrant grant, IssuedStatement statement)
    {
        await StepAsync(GrantSteps.UploadKfrags, grant.ConsentId);
        foreach (var member in grant.Members)
        {
            await UploadAsync(member, statement, KeyFragmentIssuer.ForGrantee(member, Book, _patient.Keys));
        }

        await StepAsync(GrantSteps.ConsentActive, grant.ConsentId);
        await WriteRoleConsentAsync(grant, statement);
    }

    // After an end of access: the remaining members get kfrags of the new epochs, every role Consent the new statement.
    private async Task RegrantRolesAsync(IReadOnlyList<PhrSection> rekeyed, IssuedStatement statement)
    {
        foreach (var grant in Book.RoleGrants)
        {
            foreach (var member in grant.Members)
            {
                var uploads = KeyFragmentIssuer.ForGrantee(member, Book, _patient.Keys, section =>
                    rekeyed.Contains(section) ? [Book.EpochOf(section)] : []);
                if (uploads.Count > 0)
                {
                    await StepAsync(GrantSteps.RegrantUpload, grant.ConsentId);
                    await UploadAsync(member, statement, uploads);
                }
            }

            await StepAsync(GrantSteps.RegrantConsent, grant.ConsentId);
            await WriteRoleConsentAsync(grant, statement);
        }
    }

    private async Task WriteRoleConsentAsync(RoleGrant grant, IssuedStatement statement)
    {
        var response = await _patient.Fhir.PutAsync(RoleConsentDocument.Build(Book, grant, statement, SectionPublicKey));
        EnsureWritten(response, "Consent/" + grant.ConsentId);
    }

    // Only professional roles can be listed; members of the others (related persons) are approved
    // one by one from the pending list once the grant exists.
    private async Task<IReadOnlyList<DirectoryEntryResponse>> ActiveMembersAsync(string role) =>
        ListableRoles.Contains(role)
            ? [.. (await _patient.Srs.FindByRoleAsync(role, await _patient.GetSrsAccessTokenAsync()))
                .Where(entry => entry.Status == "active" && entry.UserId.ToString() != _patient.RequireUserId)]
            : [];

    // The fingerprint is computed here from the keys the kfrags will be made for; an entry whose
    // listed fingerprint disagrees with its own keys is not approved.
    private static GranteeRecord? MemberOf(RoleGrant grant, string userId, string fhirUser, string umbralPublicKey, string signingPublicKey, string listedFingerprint)
    {
        var fingerprint = Convert.ToHexStringLower(KeyFingerprint.Compute(
            PublicKey.FromBytes(Convert.FromBase64String(umbralPublicKey)),
            PublicKey.FromBytes(Convert.FromBase64String(signingPublicKey))).ToBytes());
        return fingerprint == listedFingerprint ? grant.MemberRecord(userId, fhirUser, fingerprint, umbralPublicKey) : null;
    }

    private static string BareId(string consentId) =>
        consentId.StartsWith("Consent/", StringComparison.Ordinal) ? consentId["Consent/".Length..] : consentId;
}
