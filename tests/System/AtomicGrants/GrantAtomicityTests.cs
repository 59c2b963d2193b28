using SeSPHR.Phr.Sections;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Grants;
using SeSPHR.SystemTests.Cli;
using SeSPHR.SystemTests.Infrastructure;
using SeSPHR.SystemTests.Scenarios.Support;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.SystemTests.AtomicGrants;

/// <summary>
/// Grants and revocations are atomic across the two servers even when the patient's client dies
/// mid-way: the <c>sesphr</c> CLI is SIGKILLed at each step in turn (its fault-injection seam announces them), and then, and again after the
/// client's next run repaired from its journal, the kfrags at the SRS and the Consents at the
/// FhirServer agree (<see cref="GrantInvariant"/>).
/// </summary>
[Collection(RunningSystemGroup.Name)]
public sealed class GrantAtomicityTests(SesphrSystem system)
{
    public static TheoryData<string> GrantSteps => [.. SeSPHR.Client.Grants.GrantSteps.OfGrant];

    public static TheoryData<string> RevocationSteps => [.. SeSPHR.Client.Grants.GrantSteps.OfRevocation];

    [Theory]
    [MemberData(nameof(GrantSteps))]
    public async Task Given_a_grant_When_the_client_is_killed_at_a_step_Then_kfrags_and_Consents_agree_before_and_after_its_repair(string step)
    {
        var password = PhrUser.NewPassword();
        using var patient = await system.NewPatientAsync("killed-granter", password);
        using var doctor = await system.NewMemberAsync("doctor", SrsRoles.Practitioner);
        var home = await CliProcess.LoginAsync(system, patient, password);
        var journal = CliProcess.JournalOf(home);

        using (var client = CliProcess.Start(
            home,
            ["grant", doctor.FhirUser, "--sections", "vitals,medical", "--fingerprint", Convert.ToHexStringLower(doctor.Keys.Fingerprint.ToBytes()), "--password-stdin"],
            password,
            stepGate: true))
        {
            await client.RunToStepAsync(step);
            client.Kill();
        }

        (await GrantInvariant.ViolationsAsync(system, patient)).ShouldBeEmpty($"right after the client was killed before {step}");
        new GrantJournal(journal).OpenOperations().Count.ShouldBe(1, "the journal keeps the interrupted grant");

        await RepairAsync(home, password);

        var book = new GrantJournal(journal).LoadBook()!;
        (await GrantInvariant.ViolationsAsync(system, patient, book)).ShouldBeEmpty($"after the repair of a grant killed before {step}");
        book.Grantees.ShouldHaveSingleItem().GranteeUserId.ShouldBe(doctor.RequireUserId);
        (await SrsKfragRows.OfGranteeAsync(system, doctor.RequireUserId)).Count(r => r.IsActive).ShouldBe(2, "one active kfrag per granted section at epoch 1");
    }

    [Theory]
    [MemberData(nameof(RevocationSteps))]
    public async Task Given_a_revocation_When_the_client_is_killed_at_a_step_Then_kfrags_and_Consents_agree_before_and_after_its_repair(string step)
    {
        var password = PhrUser.NewPassword();
        using var patient = await system.NewPatientAsync("killed-revoker", password);
        using var doctor = await system.NewMemberAsync("doctor", SrsRoles.Practitioner);
        using var family = await system.NewMemberAsync("family", SrsRoles.RelatedPerson);
        var home = await CliProcess.LoginAsync(system, patient, password);
        var journal = CliProcess.JournalOf(home);
        var grants = PatientGrants.Open(patient, journal);
        var revoked = await grants.GrantAsync(doctor.FhirUser, doctor.Keys.Fingerprint, [PhrSection.Vitals]);
        await grants.GrantAsync(family.FhirUser, family.Keys.Fingerprint, [PhrSection.Vitals]);

        using (var client = CliProcess.Start(home, ["revoke", revoked.ConsentId, "--password-stdin"], password, stepGate: true))
        {
            await client.RunToStepAsync(step);
            client.Kill();
        }

        (await GrantInvariant.ViolationsAsync(system, patient)).ShouldBeEmpty($"right after the client was killed before {step}");

        await RepairAsync(home, password);

        var book = new GrantJournal(journal).LoadBook()!;
        (await GrantInvariant.ViolationsAsync(system, patient, book)).ShouldBeEmpty($"after the repair of a revocation killed before {step}");
        book.EpochOf(PhrSection.Vitals).ShouldBe(GrantBook.FirstEpoch + 1);
        (await SrsKfragRows.OfGranteeAsync(system, doctor.RequireUserId)).ShouldBeEmpty("kfrags of the revoked doctor survived");
        (await SrsKfragRows.OfGranteeAsync(system, family.RequireUserId)).Where(r => r.IsActive).Select(r => r.Epoch).Order().ShouldBe([1L, 2L]);
    }

    /// <summary>The client's next run (<c>sesphr grants</c>): it finishes whatever its journal holds open.</summary>
    private static async Task RepairAsync(string home, string password)
    {
        var result = await CliProcess.RunAsync(home, ["grants", "--password-stdin", "--json"], password);
        result.ExitCode.ShouldBe(0, result.ToString());
        new GrantJournal(CliProcess.JournalOf(home)).OpenOperations().ShouldBeEmpty($"the repair left operations open: {result}");
    }
}
