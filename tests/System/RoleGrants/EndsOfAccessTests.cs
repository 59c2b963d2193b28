using System.Net;
using Hl7.Fhir.Model;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Reading;
using SeSPHR.Client.Records;
using SeSPHR.SystemTests.Infrastructure;
using SeSPHR.SystemTests.Sdk;
using SeSPHR.SystemTests.InsiderThreat;
using SeSPHR.SystemTests.Scenarios.Support;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.SystemTests.RoleGrants;

/// <summary>
/// Role grants and the ends of access that are not revocations (DESIGN.md §3 and §5 flow 3), end to
/// end through both servers and the patient's client: a member who joins a granted role reads nothing
/// until the patient approves them, then reads the whole history; a member who leaves the role loses
/// re-encryption at once and, after the patient's next run, cannot open anything written afterwards
/// even with every kfrag ever made for them; a grant whose period ran out makes the next run move
/// the section to a new epoch.
/// </summary>
[Collection(RunningSystemGroup.Name)]
public sealed class EndsOfAccessTests(SesphrSystem system)
{
    // Few users of the shared system hold this role, and each test approves only its own.
    private const string Role = SrsRoles.Researcher;

    [Fact]
    public async Task Given_a_role_grant_When_a_member_joins_later_Then_they_read_nothing_until_approved_and_then_decrypt_the_old_vitals()
    {
        using var patient = await system.NewPatientAsync("roles");
        using var early = await system.NewMemberAsync("early", Role);
        var grants = PatientGrants.Open(patient, system.JournalFolder(patient));
        var record = new PatientRecord(patient, grants.Book);
        var old = Vitals.Pulse(record, 61);
        (await record.WriteAsync(old)).IsSuccess.ShouldBeTrue();

        var grant = await grants.GrantRoleAsync(Role, [PhrSection.Vitals], approve: entry => entry.UserId.ToString() == early.RequireUserId);
        grant.Members.Select(m => m.GranteeUserId).ShouldBe([early.RequireUserId]);
        var earlyReader = new GranteeReader(early);
        await earlyReader.LearnAsync(patient.FhirUser);
        (await earlyReader.ReadAndOpenAsync(early, patient.FhirUser, "Observation", old.Id!)).Opened.ShouldBe([PhrSection.Vitals]);

        using var late = await system.NewMemberAsync("late", Role);
        // Researchers of other tests in the shared system are pending too; the approved one never is.
        var pending = (await grants.PendingMembersAsync()).Where(p => p.ConsentId == "Consent/" + grant.ConsentId).ToList();
        pending.ShouldNotContain(p => p.UserId.ToString() == early.RequireUserId || p.UserId.ToString() == patient.RequireUserId);
        var listed = pending.Where(p => p.UserId.ToString() == late.RequireUserId).ShouldHaveSingleItem("the member who joined later is not pending");
        listed.Fingerprint.ShouldBe(Hex(late.Keys.Fingerprint));
        listed.Sections.ShouldBe(["vitals"]);

        // Not past the FhirServer's policy until approved (the role alone admits nobody), and the SRS has no kfrag for them.
        (await late.Fhir.ReadAsync("Observation", old.Id!)).Status.ShouldNotBe(HttpStatusCode.OK, "a pending member saw the vital sign before approval");
        (await ReencryptDirectlyAsync(late, patient, (await patient.Fhir.ReadAsync("Observation", old.Id!)).Resource!))
            .ShouldBe(["no-grant"]);
        (await SrsKfragRows.OfGranteeAsync(system, late.RequireUserId)).ShouldBeEmpty();

        var approved = await grants.ApprovePendingAsync(p => p.UserId.ToString() == late.RequireUserId && p.Fingerprint == Hex(late.Keys.Fingerprint));

        approved.ShouldHaveSingleItem().UserId.ToString().ShouldBe(late.RequireUserId);
        (await grants.PendingMembersAsync()).ShouldNotContain(p => p.UserId.ToString() == late.RequireUserId);
        var lateReader = new GranteeReader(late);
        var trust = await lateReader.LearnAsync(patient.FhirUser);
        trust.Statement.ShouldNotBeNull("the approved member cannot read the role Consent's statement");
        trust.OwnEntries.ShouldContain(e => e.Section == PhrSection.Vitals.ToCode(), "the statement does not name the approved member");
        var opened = await lateReader.ReadAndOpenAsync(late, patient.FhirUser, "Observation", old.Id!);
        ((Quantity)((Observation)opened.Resource).Value!).Value.ShouldBe(61);
        (await earlyReader.ReadAndOpenAsync(early, patient.FhirUser, "Observation", old.Id!)).Opened.ShouldBe([PhrSection.Vitals]);
    }

    [Fact]
    public async Task Given_an_approved_member_When_they_leave_the_role_Then_refused_at_once_and_after_the_next_run_nothing_new_opens_with_any_of_their_kfrags()
    {
        using var patient = await system.NewPatientAsync("leaver");
        using var leaver = await system.NewMemberAsync("leaver", Role);
        using var stayer = await system.NewMemberAsync("stayer", Role);
        var grants = PatientGrants.Open(patient, system.JournalFolder(patient));
        var record = new PatientRecord(patient, grants.Book);
        var before = Vitals.Pulse(record, 66);
        (await record.WriteAsync(before)).IsSuccess.ShouldBeTrue();
        var ours = new[] { leaver.RequireUserId, stayer.RequireUserId };
        var grant = await grants.GrantRoleAsync(Role, [PhrSection.Vitals], approve: entry => ours.Contains(entry.UserId.ToString()));
        grant.Members.Count.ShouldBe(2);

        var everyKfrag = grant.Members.Where(m => m.GranteeUserId == leaver.RequireUserId)
            .SelectMany(m => KeyFragmentIssuer.ForGrantee(m, grants.Book, patient.Keys))
            .Select(u => KeyFrag.FromBytes(Convert.FromBase64String(u.Kfrag!)))
            .ToList();
        var held = await SrsKfragRows.OfGranteeAsync(system, leaver.RequireUserId);
        held.ShouldContain(row => row.IsActive, "the SRS holds no active kfrag for the approved member");
        everyKfrag.AddRange(held.Select(row => KeyFrag.FromBytes(row.KeyFragBytes)));
        var storedBefore = (await patient.Fhir.ReadAsync("Observation", before.Id!)).Resource!;
        (await ReencryptDirectlyAsync(leaver, patient, storedBefore)).ShouldBe([null]);

        await system.Admin.RenewIfExpiringAsync();
        await system.Admin.Srs.SuspendAsync(leaver.RequireUserId, await system.Admin.GetSrsAccessTokenAsync());

        (await SrsKfragRows.OfGranteeAsync(system, leaver.RequireUserId)).ShouldBeEmpty("the SRS kept kfrags of a member who left");
        (await ReencryptDirectlyAsync(leaver, patient, storedBefore)).ShouldBe(["no-grant"]);

        var run = await grants.RunEndsOfAccessAsync();

        run.DepartedMembers.ShouldBe([leaver.RequireUserId]);
        grants.Book.EpochOf(PhrSection.Vitals).ShouldBe(GrantBook.FirstEpoch + 1);
        var after = Vitals.Pulse(record, 79);
        (await record.WriteAsync(after)).IsSuccess.ShouldBeTrue();
        var storedAfter = (await patient.Fhir.ReadAsync("Observation", after.Id!)).Resource!;
        EncryptedSectionExtension.ReadAll((DomainResource)storedAfter).Single().Epoch.ShouldBe(GrantBook.FirstEpoch + 1);

        Func<PhrSection, uint, PublicKey?> sectionKeys = (section, epoch) => patient.Keys.Sections.PublicKey(section.ToCode(), epoch);
        DatabaseOnlyAttack.Run([storedAfter], everyKfrag, [leaver.Keys.Decryption], patient.Keys.SigningPublicKey, sectionKeys)
            .ShouldBeEmpty("a kfrag of the member who left opened a section sealed after the client's next run");
        DatabaseOnlyAttack.Run([storedBefore], everyKfrag, [leaver.Keys.Decryption], patient.Keys.SigningPublicKey, sectionKeys)
            .ShouldNotBeEmpty("the captured kfrags do not even open what they were made for");

        // The member who stayed reads the new epoch: new kfrags and the new statement reached them.
        var stayerReader = new GranteeReader(stayer);
        var trust = await stayerReader.LearnAsync(patient.FhirUser);
        trust.OwnEntries.ShouldContain(e => e.Section == PhrSection.Vitals.ToCode(), "the stayer has no entry in the new statement");
        GrantStatements.Build(grants.Book, patient.Keys).FindGrantee(leaver.Keys.Fingerprint).ShouldBeNull("the new statement still names the member who left");
        var opened = await stayerReader.ReadAndOpenAsync(stayer, patient.FhirUser, "Observation", after.Id!);
        ((Quantity)((Observation)opened.Resource).Value!).Value.ShouldBe(79);
    }

    [Fact]
    public async Task Given_a_member_whose_approval_is_withdrawn_When_reapproved_by_the_admin_Then_they_are_pending_again_and_read_nothing()
    {
        using var patient = await system.NewPatientAsync("rejoin");
        using var member = await system.NewMemberAsync("rejoiner", Role);
        var grants = PatientGrants.Open(patient, system.JournalFolder(patient));
        var record = new PatientRecord(patient, grants.Book);
        var pulse = Vitals.Pulse(record, 70);
        (await record.WriteAsync(pulse)).IsSuccess.ShouldBeTrue();
        var grant = await grants.GrantRoleAsync(Role, [PhrSection.Vitals], approve: entry => entry.UserId.ToString() == member.RequireUserId);

        await system.Admin.RenewIfExpiringAsync();
        await system.Admin.Srs.WithdrawApprovalAsync(member.RequireUserId, await system.Admin.GetSrsAccessTokenAsync());
        await system.Admin.Srs.ApproveAsync(member.RequireUserId, await system.Admin.GetSrsAccessTokenAsync());

        // Back in the role, but the kfrags went with the approval: pending until the patient decides again.
        (await grants.PendingMembersAsync()).ShouldContain(p => p.UserId.ToString() == member.RequireUserId && p.ConsentId == "Consent/" + grant.ConsentId);
        var stored = (await patient.Fhir.ReadAsync("Observation", pulse.Id!)).Resource!;
        (await ReencryptDirectlyAsync(member, patient, stored)).ShouldBe(["no-grant"]);

        var run = await grants.RunEndsOfAccessAsync();

        run.DepartedMembers.ShouldBe([member.RequireUserId], "the client should notice the member's kfrags are gone although the directory lists them again");
        grants.Book.EpochOf(PhrSection.Vitals).ShouldBe(GrantBook.FirstEpoch + 1);
        grants.Book.FindRoleGrant(grant.ConsentId)!.Members.ShouldBeEmpty();
    }

    [Fact]
    public async Task Given_a_grant_whose_period_ended_When_the_patients_client_runs_Then_the_section_moves_to_a_new_epoch_and_the_other_grantee_keeps_reading()
    {
        using var patient = await system.NewPatientAsync("expiry");
        using var shortTerm = await system.NewMemberAsync("locum", SrsRoles.Practitioner);
        using var longTerm = await system.NewMemberAsync("gp", SrsRoles.Practitioner);
        var grants = PatientGrants.Open(patient, system.JournalFolder(patient));
        var record = new PatientRecord(patient, grants.Book);
        var before = Vitals.Pulse(record, 64);
        (await record.WriteAsync(before)).IsSuccess.ShouldBeTrue();

        var end = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 6);
        var expiring = await grants.GrantAsync(shortTerm.FhirUser, shortTerm.Keys.Fingerprint, [PhrSection.Vitals], end);
        var lasting = await grants.GrantAsync(longTerm.FhirUser, longTerm.Keys.Fingerprint, [PhrSection.Vitals]);
        var storedBefore = (await patient.Fhir.ReadAsync("Observation", before.Id!)).Resource!;
        (await ReencryptDirectlyAsync(shortTerm, patient, storedBefore)).ShouldBe([null], "the short grant does not work before its end");

        (await grants.RunEndsOfAccessAsync()).Any.ShouldBeFalse("a run before the end ended something");
        grants.Book.EpochOf(PhrSection.Vitals).ShouldBe(GrantBook.FirstEpoch);

        var wait = end - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(500);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        // The SRS refuses by itself once the period is over, before the client has done anything.
        (await ReencryptDirectlyAsync(shortTerm, patient, storedBefore)).ShouldBe(["expired"]);

        var run = await grants.RunEndsOfAccessAsync();

        run.ExpiredConsents.ShouldBe([expiring.ConsentId]);
        grants.Book.EpochOf(PhrSection.Vitals).ShouldBe(GrantBook.FirstEpoch + 1);
        grants.Book.FindGrantee(expiring.ConsentId).ShouldBeNull();
        (await patient.Fhir.ReadAsync("Consent", expiring.ConsentId)).As<Consent>().Status.ShouldBe(Consent.ConsentState.Inactive);
        (await SrsKfragRows.OfGranteeAsync(system, shortTerm.RequireUserId)).ShouldBeEmpty();

        var after = Vitals.Pulse(record, 72);
        (await record.WriteAsync(after)).IsSuccess.ShouldBeTrue();
        var storedAfter = (await patient.Fhir.ReadAsync("Observation", after.Id!)).Resource!;
        EncryptedSectionExtension.ReadAll((DomainResource)storedAfter).Single().Epoch.ShouldBe(GrantBook.FirstEpoch + 1);
        var reader = new GranteeReader(longTerm);
        var trust = await reader.LearnAsync(patient.FhirUser);
        trust.Statement!.FindSection(PhrSection.Vitals.ToCode())!.Epoch.ShouldBe(GrantBook.FirstEpoch + 1);
        GrantStatements.Build(grants.Book, patient.Keys).FindGrantee(shortTerm.Keys.Fingerprint).ShouldBeNull();
        ((Quantity)((Observation)(await reader.ReadAndOpenAsync(longTerm, patient.FhirUser, "Observation", after.Id!)).Resource).Value!).Value.ShouldBe(72);
        ((Quantity)((Observation)(await reader.ReadAndOpenAsync(longTerm, patient.FhirUser, "Observation", before.Id!)).Resource).Value!).Value.ShouldBe(64);
        lasting.ConsentId.ShouldNotBe(expiring.ConsentId);
    }

    /// <summary>Asks the SRS for a cfrag of the stored resource's one envelope as the FhirServer would; the refusal code, or null for a cfrag.</summary>
    private async Task<IReadOnlyList<string?>> ReencryptDirectlyAsync(PhrUser grantee, PhrUser patient, Resource stored)
    {
        var section = EncryptedSectionExtension.ReadAll((DomainResource)stored).Single();
        var capsule = SectionEnvelope.ReadHeader(section.Envelope).Capsule;
        using var service = new SrsServiceClient(system.Endpoints.Srs, system.ServiceSecret);
        var (status, items) = await service.ReencryptAsync(grantee.RequireUserId,
            [new ReencryptItem("r", patient.FhirUser, section.Section.ToCode(), section.Epoch, Convert.ToBase64String(capsule.ToBytes()))]);
        status.ShouldBe(HttpStatusCode.OK);
        return [.. items.Select(i => i.Cfrag is null ? i.Refused : null)];
    }

    private static string Hex(Crypto.Grants.KeyFingerprint fingerprint) => Convert.ToHexStringLower(fingerprint.ToBytes());
}
