using System.Net;
using Microsoft.Playwright;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Reading;
using SeSPHR.Client.Records;
using SeSPHR.Phr.Sections;
using SeSPHR.SystemTests.Sdk;

namespace SeSPHR.SystemTests.Portal;

/// <summary>Sharing and the access log in a real browser, checked against what the doctor's own SDK can read.</summary>
[Collection(PortalTests.Collection)]
public sealed class SharingPagesTests(PortalSystem portal)
{
    [Fact]
    public async Task Given_a_patient_with_a_pulse_When_they_grant_a_doctor_vitals_and_medical_after_the_fingerprint_and_then_revoke_Then_the_doctor_reads_vitals_only_in_between()
    {
        var password = PhrUser.NewPassword();
        using var patient = await portal.System.NewPatientAsync("share", password);
        using var doctor = await portal.System.NewMemberAsync("doctor", SrsRoles.Practitioner);
        var pulseId = await WritePulseAsync(patient);
        (await doctor.Fhir.ReadAsync("Observation", pulseId)).Status.ShouldBe(HttpStatusCode.NotFound);
        var page = await portal.NewPageAsync();
        await PortalPages.SignInAsync(page, patient.Username, password);

        await PortalPages.StartSharingWithAsync(page, doctor.Username, "Vital signs", "Medical history");
        var shown = await page.GetByLabel("Their key fingerprint").InputValueAsync();
        shown.ShouldBe(FingerprintText.Display(Convert.ToHexStringLower(doctor.Keys.Fingerprint.ToBytes())));
        await PortalSystem.ScreenshotAsync(page, "sharing-fingerprint");
        await PortalPages.ConfirmFingerprintAndShareAsync(page);

        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The grant is in place.");
        var row = page.Locator("tr").Filter(new() { HasText = doctor.Username });
        await Assertions.Expect(row).ToContainTextAsync("Medical history, Vital signs");
        await Assertions.Expect(row).ToContainTextAsync("Read");
        await Assertions.Expect(row).ToContainTextAsync("No end date");
        await PortalSystem.ScreenshotAsync(page, "sharing");
        var reader = new GranteeReader(doctor);
        await reader.LearnAsync(patient.FhirUser);
        var granted = await doctor.Fhir.ReadAsync("Observation", pulseId);
        granted.Status.ShouldBe(HttpStatusCode.OK);
        reader.Open(patient.FhirUser, granted.Resource!).Opened.ShouldBe([PhrSection.Vitals]);

        await row.GetByRole(AriaRole.Link, new() { Name = "Revoke" }).ClickAsync();
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync(doctor.Username);
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, revoke" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The grant is revoked.");
        await Assertions.Expect(page.Locator("main")).Not.ToContainTextAsync(doctor.Username);
        (await doctor.Fhir.ReadAsync("Observation", pulseId)).Status.ShouldBe(HttpStatusCode.NotFound);
        (await doctor.Fhir.SearchAsync("Observation", "subject=" + Uri.EscapeDataString(patient.FhirUser))).Entries().ShouldBeEmpty();
    }

    [Fact]
    public async Task Given_the_fingerprint_is_shown_When_the_patient_shares_without_confirming_the_comparison_Then_nothing_is_granted()
    {
        var password = PhrUser.NewPassword();
        using var patient = await portal.System.NewPatientAsync("unconfirmed", password);
        using var doctor = await portal.System.NewMemberAsync("doctor", SrsRoles.Practitioner);
        var pulseId = await WritePulseAsync(patient);
        var page = await portal.NewPageAsync();
        await PortalPages.SignInAsync(page, patient.Username, password);

        await PortalPages.StartSharingWithAsync(page, doctor.Username, "Vital signs");
        await Assertions.Expect(page.GetByLabel("Their key fingerprint")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Share" }).ClickAsync();

        await Assertions.Expect(page.Locator("#error-summary")).ToContainTextAsync("Confirm that you compared the key fingerprint");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("You have not shared any part of your record.");
        await new GranteeReader(doctor).LearnAsync(patient.FhirUser);
        (await doctor.Fhir.ReadAsync("Observation", pulseId)).Status.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Given_the_sharing_form_When_the_username_is_unknown_or_oneself_the_date_past_or_no_part_chosen_Then_each_is_said_next_to_its_field()
    {
        var password = PhrUser.NewPassword();
        using var patient = await portal.System.NewPatientAsync("mistakes", password);
        var page = await portal.NewPageAsync();
        await PortalPages.SignInAsync(page, patient.Username, password);

        await PortalPages.StartSharingWithAsync(page, "nobody-" + Guid.NewGuid().ToString("N")[..8], "Vital signs");
        await Assertions.Expect(page.Locator("#error-summary")).ToContainTextAsync("Nobody is registered as");

        await PortalPages.StartSharingWithAsync(page, patient.Username, "Vital signs");
        await Assertions.Expect(page.Locator("#error-summary")).ToContainTextAsync("That is you");

        await page.GotoAsync("/Sharing");
        await page.GetByLabel("Their username").FillAsync(patient.Username);
        await page.GetByLabel("Until (last day of access)").FillAsync(DateTime.UtcNow.AddDays(-2).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Button, new() { Name = "Share" }).ClickAsync();
        var summary = page.Locator("#error-summary");
        await Assertions.Expect(summary).ToContainTextAsync("Choose at least one part of your record.");
        await Assertions.Expect(summary).ToContainTextAsync("The end date is in the past");
        await Assertions.Expect(page.Locator("span.field-error").Filter(new() { HasText = "The end date is in the past" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Given_a_doctor_read_the_record_several_times_When_the_patient_opens_the_access_log_Then_the_reads_are_named_newest_first_and_paged()
    {
        var password = PhrUser.NewPassword();
        using var patient = await portal.System.NewPatientAsync("logged", password);
        using var doctor = await portal.System.NewMemberAsync("doctor", SrsRoles.Practitioner);
        var grants = PatientGrants.Open(patient, JournalFolder(patient));
        var pulseId = await WritePulseAsync(patient);
        await grants.GrantAsync(doctor.FhirUser, doctor.Keys.Fingerprint, [PhrSection.Vitals]);
        for (var read = 0; read < 4; read++)
        {
            (await doctor.Fhir.ReadAsync("Observation", pulseId)).Status.ShouldBe(HttpStatusCode.OK);
        }

        var page = await portal.NewPageAsync();
        await PortalPages.SignInAsync(page, patient.Username, password);
        await page.GotoAsync("/AccessLog");
        var doctorReads = page.Locator("tbody tr").Filter(new() { HasText = doctor.Username });
        await Assertions.Expect(doctorReads).ToHaveCountAsync(4);
        await Assertions.Expect(doctorReads.First).ToContainTextAsync("Vital signs");
        await Assertions.Expect(doctorReads.First).ToContainTextAsync("read");
        await Assertions.Expect(doctorReads.First).ToContainTextAsync("success");
        await PortalSystem.ScreenshotAsync(page, "access-log");

        await page.GotoAsync("/AccessLog?size=2");
        var first = await WhenColumnAsync(page);
        first.Count.ShouldBe(2);
        first.ShouldBe([.. first.OrderByDescending(w => w, StringComparer.Ordinal)]);
        await page.GetByRole(AriaRole.Link, new() { Name = "Next page (older)" }).ClickAsync();
        var second = await WhenColumnAsync(page);
        second.Count.ShouldBe(2);
        string.CompareOrdinal(second[0], first[^1]).ShouldBeLessThanOrEqualTo(0);
        await page.GetByRole(AriaRole.Link, new() { Name = "Previous page (newer)" }).ClickAsync();
        (await WhenColumnAsync(page)).ShouldBe(first);
    }

    private string JournalFolder(PhrUser patient) => Path.Combine(portal.DataDirectory, "journals", patient.RequireUserId);

    /// <summary>A pulse in the patient's record, sealed with the grant book the portal keeps for them.</summary>
    private async Task<string> WritePulseAsync(PhrUser patient)
    {
        var record = new PatientRecord(patient, PatientGrants.Open(patient, JournalFolder(patient)).Book);
        var pulse = Vitals.Pulse(record, 64);
        (await record.WriteAsync(pulse)).IsSuccess.ShouldBeTrue();
        return pulse.Id!;
    }

    private static async Task<List<string>> WhenColumnAsync(IPage page) =>
        [.. await page.Locator("tbody tr td:first-child").AllInnerTextsAsync()];
}
