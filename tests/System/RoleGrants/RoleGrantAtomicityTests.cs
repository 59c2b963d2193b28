using SeSPHR.Phr.Sections;
using SeSPHR.SystemTests.AtomicGrants;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Grants;
using SeSPHR.SystemTests.Cli;
using SeSPHR.SystemTests.Infrastructure;
using SeSPHR.SystemTests.Scenarios.Support;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.SystemTests.RoleGrants;

/// <summary>
/// The client's move to a new epoch after a role member left is as crash-safe as a revocation: the
/// client program is SIGKILLed at each step of the move, and then, and after its next run repaired
/// from the journal, kfrags and Consents agree (<see cref="GrantInvariant"/>), the member who left
/// has no kfrag and the one who stayed has one for every epoch.
/// </summary>
[Collection(RunningSystemGroup.Name)]
public sealed class RoleGrantAtomicityTests(SesphrSystem system)
{
    public static TheoryData<string> MoveSteps => [GrantSteps.RegrantUpload, GrantSteps.RegrantConsent, GrantSteps.JournalDone];

    [Theory]
    [MemberData(nameof(MoveSteps))]
    public async Task Given_a_member_who_left_When_the_client_moving_the_epoch_is_killed_at_a_step_Then_kfrags_and_Consents_agree_before_and_after_its_repair(string step)
    {
        var password = PhrUser.NewPassword();
        using var patient = await system.NewPatientAsync("killed-mover", password);
        using var leaver = await system.NewMemberAsync("leaver", SrsRoles.Researcher);
        using var stayer = await system.NewMemberAsync("stayer", SrsRoles.Researcher);
        var home = await CliProcess.LoginAsync(system, patient, password);
        var journal = CliProcess.JournalOf(home);
        var grants = PatientGrants.Open(patient, journal);
        var ours = new[] { leaver.RequireUserId, stayer.RequireUserId };
        var grant = await grants.GrantRoleAsync(SrsRoles.Researcher, [PhrSection.Vitals], approve: entry => ours.Contains(entry.UserId));
        await system.Admin.RenewIfExpiringAsync();
        await system.Admin.Srs.SuspendAsync(leaver.RequireUserId, system.Admin.RequireSrsAccessToken);

        // `sesphr grants` ends expired and departed access before it lists what is left.
        using (var client = CliProcess.Start(home, ["grants", "--password-stdin"], password, stepGate: true))
        {
            await client.RunToStepAsync(step);
            client.Kill();
        }

        (await GrantInvariant.ViolationsAsync(system, patient)).ShouldBeEmpty($"right after the client was killed before {step}");
        new GrantJournal(journal).OpenOperations().ShouldHaveSingleItem().Kind.ShouldBe(GrantOperationKind.MoveEpochs);

        var repair = await CliProcess.RunAsync(home, ["grants", "--password-stdin", "--json"], password);
        repair.ExitCode.ShouldBe(0, repair.ToString());

        new GrantJournal(journal).OpenOperations().ShouldBeEmpty();
        var book = new GrantJournal(journal).LoadBook()!;
        (await GrantInvariant.ViolationsAsync(system, patient, book)).ShouldBeEmpty($"after the repair of a move killed before {step}");
        book.EpochOf(PhrSection.Vitals).ShouldBe(GrantBook.FirstEpoch + 1);
        book.FindRoleGrant(grant.ConsentId)!.Members.Select(m => m.GranteeUserId).ShouldBe([stayer.RequireUserId]);
        (await SrsKfragRows.OfGranteeAsync(system, leaver.RequireUserId)).ShouldBeEmpty();
        (await SrsKfragRows.OfGranteeAsync(system, stayer.RequireUserId)).Where(r => r.IsActive).Select(r => r.Epoch).Order().ShouldBe([1L, 2L]);
    }
}
