using System.Diagnostics;
using Microsoft.Playwright;
using SeSPHR.Client.Accounts;
using Xunit.Abstractions;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.SystemTests.Portal;

/// <summary>
/// The whole story in the browser: a patient starts a record, shares it with a doctor, takes it
/// back, and reads who looked. The doctor's page timings go to the test output.
/// </summary>
[Collection(PortalTests.Collection)]
public sealed class PortalStoryTests(PortalSystem portal, ITestOutputHelper output)
{
    [Fact]
    public async Task Given_alice_and_dr_house_When_alice_records_vitals_shares_and_revokes_Then_dr_house_sees_vitals_only_while_shared_and_alice_sees_his_reads()
    {
        var (alice, alicePassword) = (Unique("alice"), PhrUser.NewPassword());
        var (doctor, doctorPassword) = await ApprovedDoctorAsync("dr-house");
        var patientPage = await portal.NewPageAsync();

        await PortalPages.RegisterAsync(patientPage, "Alice Story", alice, alicePassword);
        await patientPage.GotoAsync("/Record/Edit");
        await PortalPages.FillRecordAsync(patientPage, new RecordFields("Alice Story", alice + "@example.org", "female", "1 Story Lane", "Springfield", "IL", "62701", "+1 555 0101", "1985-04-12"));
        await patientPage.GetByRole(AriaRole.Button, new() { Name = "Save my record" }).ClickAsync();
        await Assertions.Expect(patientPage.Locator("main")).ToContainTextAsync("1 Story Lane");
        await PortalPages.AddVitalsAsync(patientPage, pulse: "73", temperature: "36.9");
        await Assertions.Expect(patientPage.Locator("main")).ToContainTextAsync("73");
        await PortalPages.StartSharingWithAsync(patientPage, doctor, "Vital signs", "Medical history");
        await PortalPages.ConfirmFingerprintAndShareAsync(patientPage);
        await Assertions.Expect(patientPage.GetByRole(AriaRole.Status)).ToContainTextAsync("The grant is in place.");

        var doctorPage = await portal.NewPageAsync();
        var signIn = await TimeAsync(() => PortalPages.SignInAsync(doctorPage, doctor, doctorPassword), doctorPage, "header .who");
        await doctorPage.GotoAsync("/Patients");
        var recordView = await TimeAsync(
            () => doctorPage.Locator("tr").Filter(new() { HasText = "Patient/" }).First.GetByRole(AriaRole.Link).First.ClickAsync(), doctorPage, "main h1");
        await Assertions.Expect(doctorPage.Locator("main")).ToContainTextAsync("Not shared with you");
        var patientView = doctorPage.Url;
        var patientId = new Uri(patientView).Query.Split("id=")[1].Split('&')[0];
        await doctorPage.GotoAsync($"/Vitals?patient={patientId}");
        await Assertions.Expect(doctorPage.Locator("svg.chart").First).ToBeVisibleAsync();
        await Assertions.Expect(doctorPage.Locator("main")).ToContainTextAsync("73");
        output.WriteLine($"page timings (ms): doctor's sign-in (Argon2id included) {signIn}, doctor's view of the shared record {recordView}");

        await patientPage.GotoAsync("/Sharing");
        await patientPage.Locator("tr").Filter(new() { HasText = doctor }).GetByRole(AriaRole.Link, new() { Name = "Revoke" }).ClickAsync();
        await patientPage.GetByRole(AriaRole.Button, new() { Name = "Yes, revoke" }).ClickAsync();
        await Assertions.Expect(patientPage.GetByRole(AriaRole.Status)).ToContainTextAsync("The grant is revoked.");

        await doctorPage.GotoAsync($"/Vitals?patient={patientId}");
        await Assertions.Expect(doctorPage.Locator("main")).ToContainTextAsync("Not shared with you");
        await Assertions.Expect(doctorPage.Locator("svg.chart")).ToHaveCountAsync(0);

        await patientPage.GotoAsync("/AccessLog");
        await Assertions.Expect(patientPage.Locator("tbody tr").Filter(new() { HasText = doctor }).First).ToBeVisibleAsync();
    }

    private async Task<(string Username, string Password)> ApprovedDoctorAsync(string name)
    {
        var password = PhrUser.NewPassword();
        using var doctor = PhrUser.Create(portal.System.Endpoints, Unique(name), SrsRoles.Practitioner, "Practitioner/" + Guid.NewGuid().ToString("N"), password);
        var registered = await doctor.RegisterAsync();
        await portal.System.Admin.RenewIfExpiringAsync();
        await portal.System.Admin.Srs.ApproveAsync(registered.UserId.ToString(), await portal.System.Admin.GetSrsAccessTokenAsync());
        return (doctor.Username, password);
    }

    /// <summary>Milliseconds from the action to <paramref name="ready"/> being visible.</summary>
    private static async Task<long> TimeAsync(Func<Task> action, IPage page, string ready)
    {
        var clock = Stopwatch.StartNew();
        await action();
        await Assertions.Expect(page.Locator(ready).First).ToBeVisibleAsync();
        return clock.ElapsedMilliseconds;
    }

    private static string Unique(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];
}
