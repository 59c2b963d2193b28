using SeSPHR.Phr.Sections;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Grants;
using SeSPHR.SystemTests.Infrastructure;
using SeSPHR.SystemTests.Scenarios.Support;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.SystemTests.AtomicGrants;

/// <summary>
/// Grants and revocations are atomic across the two servers even when the patient's client dies
/// mid-way: the client program is SIGKILLed at each step in turn, and then, and again after the
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
        var journal = system.JournalFolder(patient);

        using (var client = GrantClientProcess.Start(Job(patient, password, journal, "grant") with
        {
            GranteeFhirUser = doctor.FhirUser,
            GranteeFingerprint = Convert.ToHexStringLower(doctor.Keys.Fingerprint.ToBytes()),
            Sections = [PhrSection.Vitals.ToCode(), PhrSection.Medical.ToCode()],
        }))
        {
            await client.RunToStepAsync(step);
            client.Kill();
        }

        (await GrantInvariant.ViolationsAsync(system, patient)).ShouldBeEmpty($"right after the client was killed before {step}");
        new GrantJournal(journal).OpenOperations().Count.ShouldBe(1, "the journal keeps the interrupted grant");

        await RepairAsync(patient, password, journal);

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
        var journal = system.JournalFolder(patient);
        var grants = PatientGrants.Open(patient, journal);
        var revoked = await grants.GrantAsync(doctor.FhirUser, doctor.Keys.Fingerprint, [PhrSection.Vitals]);
        await grants.GrantAsync(family.FhirUser, family.Keys.Fingerprint, [PhrSection.Vitals]);

        using (var client = GrantClientProcess.Start(Job(patient, password, journal, "revoke") with { ConsentId = revoked.ConsentId }))
        {
            await client.RunToStepAsync(step);
            client.Kill();
        }

        (await GrantInvariant.ViolationsAsync(system, patient)).ShouldBeEmpty($"right after the client was killed before {step}");

        await RepairAsync(patient, password, journal);

        var book = new GrantJournal(journal).LoadBook()!;
        (await GrantInvariant.ViolationsAsync(system, patient, book)).ShouldBeEmpty($"after the repair of a revocation killed before {step}");
        book.EpochOf(PhrSection.Vitals).ShouldBe(GrantBook.FirstEpoch + 1);
        (await SrsKfragRows.OfGranteeAsync(system, doctor.RequireUserId)).ShouldBeEmpty("kfrags of the revoked doctor survived");
        (await SrsKfragRows.OfGranteeAsync(system, family.RequireUserId)).Where(r => r.IsActive).Select(r => r.Epoch).Order().ShouldBe([1L, 2L]);
    }

    /// <summary>The client's next run: it finishes whatever its journal holds open.</summary>
    private async Task RepairAsync(PhrUser patient, string password, string journal)
    {
        using var client = GrantClientProcess.Start(Job(patient, password, journal, "repair") with { Pause = false });
        await client.RunToEndAsync();
        new GrantJournal(journal).OpenOperations().ShouldBeEmpty($"the repair left operations open: {client.Transcript}");
    }

    private GrantJob Job(PhrUser patient, string password, string journal, string action) => new(
        system.Endpoints.Srs.ToString(), system.Endpoints.Fhir.ToString(), patient.Username, password, patient.FhirUser, journal, action, Pause: true);
}
