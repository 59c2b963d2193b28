using Microsoft.Playwright;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Fhir;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Records;
using SeSPHR.Phr.Sections;
using SeSPHR.Testing;

namespace SeSPHR.SystemTests.Portal;

/// <summary>
/// The health record pages in a real browser: a patient creates and edits their record, and each
/// role sees a record shared with it, with the sections it was not granted marked "Not shared with you".
/// </summary>
[Collection(PortalTests.Collection)]
public sealed class RecordPagesTests(PortalSystem portal)
{
    [Fact]
    public async Task Given_a_registered_patient_When_they_fill_every_field_of_the_record_and_edit_it_Then_the_record_page_shows_it_and_no_typed_value_reaches_a_database_or_log()
    {
        var page = await portal.NewPageAsync();
        var username = Unique("recorder");
        var password = PhrUser.NewPassword();
        await PortalPages.RegisterAsync(page, "Rita Recorder", username, password);
        var street = $"{Random.Shared.Next(100, 999)} Quokkavale Crescent {Guid.NewGuid():N}"[..40];

        await page.GotoAsync("/Record/Edit");
        await Assertions.Expect(page.GetByLabel("Patient name")).ToHaveValueAsync("Rita Recorder");
        await Assertions.Expect(page.GetByLabel("E-mail")).ToHaveValueAsync(username + "@example.org");
        await PortalPages.FillRecordAsync(page, new("Rita Q. Recorder", "rita.recorder@example.org", "female", street, "Springfield", "Illinois", "62704-1234", "+1 (555) 010-7788", "1984-05-17"));
        await PortalSystem.ScreenshotAsync(page, "record-edit");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save my record" }).ClickAsync();

        var main = page.Locator("main");
        await Assertions.Expect(main).ToContainTextAsync("Your record was saved");
        foreach (var shown in new[] { "Rita Q. Recorder", "rita.recorder@example.org", "Female", street, "Springfield", "Illinois", "62704-1234", "+1 (555) 010-7788", "17 May 1984" })
        {
            await Assertions.Expect(page.Locator("dl.record")).ToContainTextAsync(shown);
        }

        await page.GetByRole(AriaRole.Link, new() { Name = "Edit my record" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Home address")).ToHaveValueAsync(street);
        await page.GetByLabel("City").FillAsync("Shelbyville");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save my record" }).ClickAsync();
        await Assertions.Expect(page.Locator("dl.record")).ToContainTextAsync("Shelbyville");
        await Assertions.Expect(page.Locator("dl.record")).ToContainTextAsync(street);

        // Entries of the other sections, written by the patient's client on another device.
        using (var device = await PhrUser.SignInAsync(portal.System.Endpoints, username, password))
        {
            using var fhir = new PatientRecord(device, PatientGrants.Open(device, portal.System.JournalFolder(device)).Book).CreateFhirClient();
            await SharedRecordScene.WriteEntriesAsync(fhir, device.FhirUser);
        }

        await page.ReloadAsync();
        await Assertions.Expect(main).ToContainTextAsync("Conditions (1)");
        await Assertions.Expect(main).ToContainTextAsync(SharedRecordScene.Condition);
        await Assertions.Expect(main).ToContainTextAsync(SharedRecordScene.Prescription);
        await Assertions.Expect(main).ToContainTextAsync(SharedRecordScene.SubscriberId);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "see and record my vitals" })).ToHaveAttributeAsync("href", "/Vitals");
        await PortalSystem.ScreenshotAsync(page, "record");

        var dump = await PostgresTools.DumpAsync(portal.System.FhirDatabase.Name);
        dump.ShouldNotContain(street, customMessage: "the home address is stored sealed");
        dump.ShouldNotContain("Quokkavale");
        foreach (var server in new[] { portal.Portal, portal.System.Srs, portal.System.FhirServer })
        {
            server.ReadLog().ShouldNotContain("Quokkavale", customMessage: $"the {server.Name} log holds no typed value");
        }
    }

    [Fact]
    public async Task Given_the_record_form_When_fields_are_empty_or_malformed_Then_each_field_says_why_and_nothing_is_saved()
    {
        var page = await portal.NewPageAsync();
        await PortalPages.RegisterAsync(page, "Ivan Invalid", Unique("invalid"), PhrUser.NewPassword());
        await page.GotoAsync("/Record/Edit");

        await PortalPages.FillRecordAsync(page, new("", "not-an-address", "", "", "", "", "12", "call me", DateTime.UtcNow.AddDays(3).ToString("yyyy-MM-dd")));
        await page.GetByRole(AriaRole.Button, new() { Name = "Save my record" }).ClickAsync();

        var summary = page.Locator("#error-summary");
        foreach (var message in new[]
        {
            "Enter the patient's name.", "Enter an e-mail address like name@example.org.", "Choose a gender from the list.",
            "Enter the home address", "Enter the city.", "Enter the state.", "Enter a zip code of 3 to 10", "Enter a phone number",
            "The date of birth must be in the past.",
        })
        {
            await Assertions.Expect(summary).ToContainTextAsync(message);
        }

        await Assertions.Expect(page.Locator("span.field-error").Filter(new() { HasText = "The date of birth must be in the past." })).ToBeVisibleAsync();
        await page.GetByLabel("Date of birth").FillAsync("1850-01-01");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save my record" }).ClickAsync();
        await Assertions.Expect(summary).ToContainTextAsync("within the last 130 years");

        await page.GotoAsync("/Record");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("Your record holds only what you gave at registration.");
        await Assertions.Expect(page.Locator("dl.record")).ToContainTextAsync("Ivan Invalid");
        await Assertions.Expect(page.Locator("main")).Not.ToContainTextAsync("not-an-address");
    }

    [Fact]
    public async Task Given_a_doctor_granted_medical_and_vitals_When_they_open_the_shared_record_Then_conditions_are_opened_and_insurance_is_not_shared()
    {
        using var scene = await SharedRecordScene.SeedAsync(portal.System);
        var (doctor, password) = await scene.NewGranteeAsync("portal-doctor", SrsRoles.Practitioner);
        using var _ = doctor;
        await scene.GrantAsync(doctor, PhrSection.Medical, PhrSection.Vitals);
        var page = await portal.NewPageAsync();

        await PortalPages.SignInAsync(page, doctor.Username, password);
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/Patients$"));
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Patient/" + scene.PatientId });
        await Assertions.Expect(row).ToContainTextAsync("Medical history");
        await Assertions.Expect(row).ToContainTextAsync("Vital signs");
        await Assertions.Expect(row).ToContainTextAsync("Name not shared with you");
        await PortalSystem.ScreenshotAsync(page, "patients");
        await row.GetByRole(AriaRole.Link).ClickAsync();

        await Assertions.Expect(Section(page, "Medical history")).ToContainTextAsync(SharedRecordScene.Condition);
        await Assertions.Expect(Section(page, "Insurance")).ToContainTextAsync("Not shared with you");
        await Assertions.Expect(Section(page, "Medications and prescriptions")).ToContainTextAsync("Not shared with you");
        await Assertions.Expect(Section(page, "Personal details")).ToContainTextAsync("Not shared with you");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Vital signs charts of this patient" })).ToHaveAttributeAsync("href", "/Vitals?patient=" + scene.PatientId);
        (await page.Locator("h2").First.TextContentAsync()).ShouldBe("Vital signs", "a doctor reads the vitals first");
        await Assertions.Expect(page.Locator("main")).Not.ToContainTextAsync(SharedRecordScene.SubscriberId);
        await Assertions.Expect(page.Locator("main")).Not.ToContainTextAsync(SharedRecordScene.PatientName);
        await PortalSystem.ScreenshotAsync(page, "patient-doctor");
    }

    [Fact]
    public async Task Given_an_insurer_granted_insurance_When_they_open_the_shared_record_Then_coverage_claims_and_explanations_of_benefit_are_shown_and_medical_is_not_shared()
    {
        using var scene = await SharedRecordScene.SeedAsync(portal.System);
        var (insurer, password) = await scene.NewGranteeAsync("portal-insurer", SrsRoles.Insurer);
        using var _ = insurer;
        await scene.GrantAsync(insurer, PhrSection.Insurance, PhrSection.Personal);
        var page = await portal.NewPageAsync();

        await PortalPages.SignInAsync(page, insurer.Username, password);
        await page.GetByRole(AriaRole.Link, new() { Name = SharedRecordScene.PatientName }).ClickAsync();

        var insurance = Section(page, "Insurance");
        await Assertions.Expect(insurance).ToContainTextAsync(SharedRecordScene.SubscriberId);
        await Assertions.Expect(insurance).ToContainTextAsync("Claims (1)");
        await Assertions.Expect(insurance).ToContainTextAsync("Explanations of benefit (1)");
        await Assertions.Expect(Section(page, "Medical history")).ToContainTextAsync("Not shared with you");
        await Assertions.Expect(Section(page, "Personal details")).ToContainTextAsync("12 Harbour Road");
        (await page.Locator("h2").First.TextContentAsync()).ShouldStartWith("Insurance", customMessage: "an insurer reads coverage and claims first");
        await Assertions.Expect(page.Locator("main")).Not.ToContainTextAsync(SharedRecordScene.Condition);
        await PortalSystem.ScreenshotAsync(page, "patient-insurer");
    }

    [Fact]
    public async Task Given_a_pharmacist_granted_prescriptions_When_they_open_the_shared_record_Then_the_medication_requests_are_shown_and_the_rest_is_not_shared()
    {
        using var scene = await SharedRecordScene.SeedAsync(portal.System);
        var (pharmacist, password) = await scene.NewGranteeAsync("portal-pharmacist", SrsRoles.Pharmacist);
        using var _ = pharmacist;
        await scene.GrantAsync(pharmacist, PhrSection.Prescriptions, PhrSection.Personal);
        var page = await portal.NewPageAsync();

        await PortalPages.SignInAsync(page, pharmacist.Username, password);
        await page.GetByRole(AriaRole.Link, new() { Name = SharedRecordScene.PatientName }).ClickAsync();

        var prescriptions = Section(page, "Medications and prescriptions");
        await Assertions.Expect(prescriptions).ToContainTextAsync(SharedRecordScene.Prescription);
        await Assertions.Expect(prescriptions).ToContainTextAsync("One tablet daily");
        await Assertions.Expect(Section(page, "Medical history")).ToContainTextAsync("Not shared with you");
        await Assertions.Expect(Section(page, "Insurance")).ToContainTextAsync("Not shared with you");
        (await page.Locator("h2").First.TextContentAsync()).ShouldBe("Medications and prescriptions", "a pharmacist reads the prescriptions first");
        await PortalSystem.ScreenshotAsync(page, "patient-pharmacist");
    }

    [Fact]
    public async Task Given_a_doctor_with_no_grant_When_they_ask_for_a_patients_record_by_id_Then_it_is_not_found()
    {
        using var scene = await SharedRecordScene.SeedAsync(portal.System);
        var (doctor, password) = await scene.NewGranteeAsync("portal-stranger", SrsRoles.Practitioner);
        using var _ = doctor;
        var page = await portal.NewPageAsync();
        await PortalPages.SignInAsync(page, doctor.Username, password);

        var answer = await page.GotoAsync("/Patients/View?id=" + scene.PatientId);

        answer!.Status.ShouldBe(404);
        await Assertions.Expect(page.Locator("main")).Not.ToContainTextAsync(SharedRecordScene.Condition);
        (await page.GotoAsync("/Patients/View?id=../../etc"))!.Status.ShouldBe(404);
    }

    private static ILocator Section(IPage page, string heading) =>
        page.Locator("section").Filter(new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = heading, Level = 2 }) });

    private static string Unique(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];
}
