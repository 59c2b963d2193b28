using System.Net;
using Microsoft.Playwright;
using SeSPHR.Client.Accounts;

namespace SeSPHR.SystemTests.Portal;

/// <summary>
/// Grants to every member of a role, made on the sharing page, as the role's members meet them: a
/// write grant lets them add to the record exactly as a write grant to them alone does, and a read
/// grant lets them read without a form or a way to post one.
/// </summary>
[Collection(PortalTests.Collection)]
public sealed class RoleGrantPagesTests(PortalSystem portal)
{
    [Fact]
    public async Task Given_a_patient_who_granted_every_practitioner_vitals_read_and_write_When_a_member_doctor_records_a_pulse_Then_the_patient_sees_it()
    {
        var (patientPage, patient) = await NewPatientAsync("Rhea Rolewrite");
        var doctor = await NewDoctorAsync();

        await ShareWithPractitionersAsync(patientPage, "Read and write");
        await Assertions.Expect(patientPage.Locator("tr").Filter(new() { HasText = "Everyone who is a doctor" })).ToContainTextAsync("Read and write");

        var page = await SignInAsync(doctor);
        await page.GotoAsync(VitalsOf(patient));
        await PortalPages.AddVitalsAsync(page, pulse: "87", open: false);

        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("1 measurement was added");
        await Assertions.Expect(LatestRow(page, "Pulse")).ToContainTextAsync("87 beats/minute");
        await patientPage.GotoAsync("/Vitals");
        await Assertions.Expect(LatestRow(patientPage, "Pulse")).ToContainTextAsync("87 beats/minute");
    }

    [Fact]
    public async Task Given_a_patient_who_granted_every_practitioner_vitals_read_only_When_a_member_doctor_opens_or_forges_the_form_Then_no_form_and_the_post_is_refused()
    {
        var (patientPage, patient) = await NewPatientAsync("Rory Roleread");
        var doctor = await NewDoctorAsync();
        await PortalPages.AddVitalsAsync(patientPage, pulse: "61");

        await ShareWithPractitionersAsync(patientPage, "Read");

        var page = await SignInAsync(doctor);
        await page.GotoAsync(VitalsOf(patient));
        await Assertions.Expect(LatestRow(page, "Pulse")).ToContainTextAsync("61 beats/minute");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Add measurements" })).ToHaveCountAsync(0);
        var token = await page.Locator("header input[name='__RequestVerificationToken']").InputValueAsync();
        var answer = await page.APIRequest.PostAsync(VitalsOf(patient), new()
        {
            Form = page.APIRequest.CreateFormData().Set("Form.Pulse", "120").Set("Form.MeasuredAt", "2026-01-01T10:00").Set("__RequestVerificationToken", token),
            MaxRedirects = 0,
        });
        answer.Status.ShouldBe((int)HttpStatusCode.Forbidden);
        await patientPage.GotoAsync("/Vitals");
        await Assertions.Expect(LatestRow(patientPage, "Pulse")).ToContainTextAsync("61 beats/minute");
    }

    /// <summary>The sharing page's grant to every practitioner, of the vital signs, with the access named as on the page.</summary>
    private static async Task ShareWithPractitionersAsync(IPage page, string access)
    {
        await page.GotoAsync("/Sharing");
        await page.GetByLabel("Everyone of a role").CheckAsync();
        await page.GetByLabel("Everyone who is").SelectOptionAsync(new SelectOptionValue { Label = "a doctor or other practitioner" });
        await page.GetByLabel("Vital signs", new() { Exact = true }).CheckAsync();
        await page.GetByLabel(access, new() { Exact = true }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Share" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The grant is in place.");
    }

    private async Task<IPage> SignInAsync((string Username, string Password) doctor)
    {
        var page = await portal.NewPageAsync();
        await PortalPages.SignInAsync(page, doctor.Username, doctor.Password);
        await Assertions.Expect(page.Locator("header .who")).ToContainTextAsync(doctor.Username);
        return page;
    }

    private static ILocator LatestRow(IPage page, string vital) =>
        page.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Rowheader, new() { Name = vital, Exact = true }) });

    private static string VitalsOf(string patientFhirUser) => "/Vitals?patient=" + patientFhirUser["Patient/".Length..];

    /// <summary>A patient registered and signed in in the browser; their <c>fhirUser</c> from the session page.</summary>
    private async Task<(IPage Page, string FhirUser)> NewPatientAsync(string name)
    {
        var page = await portal.NewPageAsync();
        var (username, password) = (Unique(name.Split(' ')[0].ToLowerInvariant()), PhrUser.NewPassword());
        await PortalPages.RegisterAsync(page, name, username, password);
        await Assertions.Expect(page.Locator("header .who")).ToContainTextAsync(username);
        using var patient = await PhrUser.SignInAsync(portal.System.Endpoints, username, password);
        return (page, patient.FhirUser);
    }

    /// <summary>A practitioner registered through the SDK and approved by the admin before the patient grants the role, so it is a member at once.</summary>
    private async Task<(string Username, string Password)> NewDoctorAsync()
    {
        var password = PhrUser.NewPassword();
        using var doctor = PhrUser.Create(portal.System.Endpoints, Unique("dr"), SrsRoles.Practitioner, "Practitioner/" + Guid.NewGuid().ToString("N"), password);
        var registered = await doctor.RegisterAsync();
        await portal.System.Admin.RenewIfExpiringAsync();
        await portal.System.Admin.Srs.ApproveAsync(registered.UserId.ToString(), await portal.System.Admin.GetSrsAccessTokenAsync());
        return (doctor.Username, password);
    }

    private static string Unique(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];
}
