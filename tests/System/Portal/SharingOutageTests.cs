using System.Net;
using Microsoft.Playwright;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Reading;
using SeSPHR.Client.Records;
using SeSPHR.Phr.Sections;
using SeSPHR.SystemTests.Infrastructure;
using SeSPHR.SystemTests.Scenarios.Support;
using SeSPHR.SystemTests.Sdk;

namespace SeSPHR.SystemTests.Portal;

/// <summary>
/// The SRS goes down in the middle of a grant or a revocation made on the sharing page. The SRS
/// process is really stopped, at the exact step, by the proxy the portal reaches it through
/// (<see cref="SrsGate"/>): the patient is told on the page that the change is not complete and will
/// be completed (never a 500 or a stack trace), nothing half-done is listed or served as granted
/// meanwhile, and once the SRS is back the patient's next visit completes the change from the
/// portal's grant journal.
/// </summary>
[Collection(PortalTests.Collection)]
public sealed class SharingOutageTests(PortalSystem portal)
{
    private const string GrantsPath = "/api/grants";

    [Fact]
    public async Task Given_a_grant_on_the_sharing_page_When_the_SRS_stops_after_taking_the_kfrags_Then_the_page_says_it_is_not_complete_nothing_is_granted_and_the_next_visit_completes_it()
    {
        var password = PhrUser.NewPassword();
        using var patient = await portal.System.NewPatientAsync("outage-grant", password);
        using var doctor = await portal.System.NewMemberAsync("doctor", SrsRoles.Practitioner);
        await using var gate = await SrsGate.StartAsync(portal.System.Srs);
        await using var gated = await StartGatedPortalAsync("portal-grant-outage", gate);
        var pulseId = await WritePulseAsync(patient, gated);
        var page = await portal.NewPageAsync(gated);
        var failures = FailedAnswers(page);
        await PortalPages.SignInAsync(page, patient.Username, password);
        await PortalPages.StartSharingWithAsync(page, doctor.Username, "Vital signs");

        gate.StopSrsAfterAnswering("POST", GrantsPath);
        try
        {
            await PortalPages.ConfirmFingerprintAndShareAsync(page);
            gate.StoppedSrs.ShouldBeTrue("the grant never uploaded its kfrags");
            await ExpectNotCompleteAsync(page, "grant");
            await ExpectListedAsNotCompleteAsync(page);
            // The grant is the journal's to complete: the form starts afresh, so a second click makes no second grant.
            await Assertions.Expect(page.GetByLabel("Their username")).ToBeEmptyAsync();
            await PortalSystem.ScreenshotAsync(page, "sharing-not-complete");

            await page.GotoAsync("/Sharing");
            await ExpectListedAsNotCompleteAsync(page);
        }
        finally
        {
            await RestartSrsAsync();
        }

        // Back, but the patient has not come back yet: the doctor is granted nothing.
        (await doctor.Fhir.ReadAsync("Observation", pulseId)).Status.ShouldBe(HttpStatusCode.NotFound);

        await VisitSharingUntilCompleteAsync(page);
        var row = page.Locator("tr").Filter(new() { HasText = doctor.Username });
        await Assertions.Expect(row).ToContainTextAsync("Vital signs");
        await Assertions.Expect(row).Not.ToContainTextAsync("Not complete");
        var reader = new GranteeReader(doctor);
        await reader.LearnAsync(patient.FhirUser);
        (await reader.ReadAndOpenAsync(doctor, patient.FhirUser, "Observation", pulseId)).Opened.ShouldBe([PhrSection.Vitals]);
        failures.ShouldBeEmpty();
    }

    [Fact]
    public async Task Given_two_doctors_granted_vitals_When_the_SRS_stops_between_revoking_one_and_rekeying_the_other_Then_the_page_says_so_and_the_next_visit_gives_the_other_the_new_keys()
    {
        var password = PhrUser.NewPassword();
        using var patient = await portal.System.NewPatientAsync("outage-revoke", password);
        using var revoked = await portal.System.NewMemberAsync("revoked", SrsRoles.Practitioner);
        using var kept = await portal.System.NewMemberAsync("kept", SrsRoles.Practitioner);
        await using var gate = await SrsGate.StartAsync(portal.System.Srs);
        await using var gated = await StartGatedPortalAsync("portal-revoke-outage", gate);
        var grants = PatientGrants.Open(patient, JournalFolder(gated, patient));
        await grants.GrantAsync(revoked.FhirUser, revoked.Keys.Fingerprint, [PhrSection.Vitals]);
        await grants.GrantAsync(kept.FhirUser, kept.Keys.Fingerprint, [PhrSection.Vitals]);
        var before = await WritePulseAsync(patient, gated);
        var page = await portal.NewPageAsync(gated);
        var failures = FailedAnswers(page);
        await PortalPages.SignInAsync(page, patient.Username, password);
        await page.GotoAsync("/Sharing");
        await page.Locator("tr").Filter(new() { HasText = revoked.Username }).GetByRole(AriaRole.Link, new() { Name = "Revoke" }).ClickAsync();

        // The Consent goes inactive at the FhirServer; the SRS stops when the new epoch's kfrags for the other doctor arrive.
        gate.StopSrsOnArrival("POST", GrantsPath);
        try
        {
            await page.GetByRole(AriaRole.Button, new() { Name = "Yes, revoke" }).ClickAsync();
            gate.StoppedSrs.ShouldBeTrue("the revocation never reached the re-keying of the other grant");
            await ExpectNotCompleteAsync(page, "revocation");
            await page.GotoAsync("/Sharing");
            await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not complete");
            await Assertions.Expect(page.Locator("main")).Not.ToContainTextAsync(revoked.Username);
        }
        finally
        {
            await RestartSrsAsync();
        }

        (await revoked.Fhir.ReadAsync("Observation", before)).Status.ShouldBe(HttpStatusCode.NotFound);
        var after = await WritePulseAsync(patient, gated);

        await VisitSharingUntilCompleteAsync(page);
        await Assertions.Expect(page.Locator("tr").Filter(new() { HasText = kept.Username })).ToContainTextAsync("Vital signs");
        var reader = new GranteeReader(kept);
        await reader.LearnAsync(patient.FhirUser);
        (await reader.ReadAndOpenAsync(kept, patient.FhirUser, "Observation", after)).Opened.ShouldBe([PhrSection.Vitals]);
        (await reader.ReadAndOpenAsync(kept, patient.FhirUser, "Observation", before)).Opened.ShouldBe([PhrSection.Vitals]);
        (await revoked.Fhir.ReadAsync("Observation", after)).Status.ShouldBe(HttpStatusCode.NotFound);
        failures.ShouldBeEmpty();
    }

    [Fact]
    public async Task Given_the_SRS_is_down_When_the_patient_shares_Then_the_page_says_nothing_was_shared_and_lists_no_grant()
    {
        var password = PhrUser.NewPassword();
        using var patient = await portal.System.NewPatientAsync("outage-before", password);
        using var doctor = await portal.System.NewMemberAsync("doctor", SrsRoles.Practitioner);
        var page = await portal.NewPageAsync();
        var failures = FailedAnswers(page);
        await PortalPages.SignInAsync(page, patient.Username, password);
        await page.GotoAsync("/Sharing");

        portal.System.Srs.Stop();
        try
        {
            await PortalPages.StartSharingWithAsync(page, doctor.Username, "Vital signs");
            await Assertions.Expect(page.Locator("#error-summary")).ToContainTextAsync("The key server is not reachable");
            await Assertions.Expect(page.Locator("#error-summary")).ToContainTextAsync("nothing was shared");
            await Assertions.Expect(page.Locator("main")).ToContainTextAsync("You have not shared any part of your record.");
        }
        finally
        {
            await RestartSrsAsync();
        }

        failures.ShouldBeEmpty();
    }

    private async Task<ServerProcess> StartGatedPortalAsync(string name, SrsGate gate) =>
        await portal.StartPortalAsync(name, new Dictionary<string, string> { ["Portal__SrsUrl"] = gate.BaseAddress.ToString().TrimEnd('/') });

    private async Task RestartSrsAsync()
    {
        if (!portal.System.Srs.IsRunning)
        {
            await portal.System.Srs.StartAsync();
        }
    }

    /// <summary>
    /// The patient's next visits to the sharing page: a restarted SRS may still be too slow for the
    /// FhirServer's time limit on its first calls, and then that visit says the work is still not
    /// complete, so the patient comes back, as they would, until a visit completes it.
    /// </summary>
    private static async Task VisitSharingUntilCompleteAsync(IPage page)
    {
        for (var visit = 1; ; visit++)
        {
            await page.GotoAsync("/Sharing");
            if (await page.GetByRole(AriaRole.Alert).CountAsync() == 0)
            {
                return;
            }

            visit.ShouldBeLessThan(5, "visits after the SRS came back still say: " + await page.GetByRole(AriaRole.Alert).First.InnerTextAsync());
            await Task.Delay(TimeSpan.FromSeconds(3));
        }
    }

    /// <summary>A clear page: the change is named as not complete and as completed later, without an error page or an exception's text.</summary>
    private static async Task ExpectNotCompleteAsync(IPage page, string what)
    {
        var alert = page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "not complete" });
        await Assertions.Expect(alert).ToContainTextAsync(what);
        await Assertions.Expect(alert).ToContainTextAsync("completed");
        var main = await page.Locator("main").InnerTextAsync();
        main.ShouldNotContain("Something went wrong");
        main.ShouldNotContain("Exception");
        main.ShouldNotContain("Consent/");
        main.ShouldNotContain("journal");
    }

    /// <summary>The one grant's row says it is not complete (the SRS is down, so it names the doctor by their FHIR reference), and nothing says it is in place.</summary>
    private static async Task ExpectListedAsNotCompleteAsync(IPage page)
    {
        var row = page.Locator("tbody tr");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row).ToContainTextAsync("Not complete yet");
        await Assertions.Expect(row.GetByRole(AriaRole.Link, new() { Name = "Revoke" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveCountAsync(0);
    }

    private static List<string> FailedAnswers(IPage page)
    {
        var failed = new List<string>();
        page.Response += (_, answer) =>
        {
            if (answer.Status >= 500)
            {
                failed.Add($"{answer.Status} {answer.Url}");
            }
        };
        return failed;
    }

    private static string JournalFolder(ServerProcess gated, PhrUser patient) =>
        Path.Combine(Path.GetDirectoryName(gated.LogFile)!, gated.Name + "-data", "journals", patient.RequireUserId);

    /// <summary>A pulse in the patient's record, sealed with the grant book the gated portal keeps for them.</summary>
    private static async Task<string> WritePulseAsync(PhrUser patient, ServerProcess gated)
    {
        var record = new PatientRecord(patient, PatientGrants.Open(patient, JournalFolder(gated, patient)).Book);
        var pulse = Vitals.Pulse(record, 71);
        (await record.WriteAsync(pulse)).IsSuccess.ShouldBeTrue();
        return pulse.Id!;
    }
}
