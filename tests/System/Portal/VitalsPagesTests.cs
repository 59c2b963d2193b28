using System.Diagnostics;
using System.Net;
using Hl7.Fhir.Model;
using Microsoft.Playwright;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Fhir;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Records;
using SeSPHR.Phr.Sections;
using SeSPHR.Testing;
using Xunit.Abstractions;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.SystemTests.Portal;

/// <summary>The vitals pages in a real browser: the patient's own record and a record shared with a doctor.</summary>
[Collection(PortalTests.Collection)]
public sealed class VitalsPagesTests(PortalSystem portal, ITestOutputHelper output)
{
    [Fact]
    public async Task Given_a_patient_When_they_record_pulse_temperature_and_weight_Then_chart_and_table_show_them_and_the_database_holds_no_value_in_clear()
    {
        var page = await portal.NewPageAsync();
        await PortalPages.RegisterAsync(page, "Vera Vitals", Unique("vera"), PhrUser.NewPassword());

        await PortalPages.AddVitalsAsync(page, pulse: "72", temperature: "36.8", weight: "87.345");

        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("3 measurements were added");
        await Assertions.Expect(LatestRow(page, "Pulse")).ToContainTextAsync("72 beats/minute");
        await Assertions.Expect(LatestRow(page, "Body temperature")).ToContainTextAsync("36.8 °C");
        await Assertions.Expect(LatestRow(page, "Body weight")).ToContainTextAsync("87.345 kg");
        await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { Name = "Pulse (beats/minute) over time" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("svg[data-vital='temperature'] circle")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("svg[data-vital='blood-pressure']")).ToHaveCountAsync(0);

        var dump = await PostgresTools.DumpAsync(portal.System.FhirDatabase.Name);
        dump.ShouldContain("vital-signs", customMessage: "the Observations are in the dump, filed under their clear category");
        dump.ShouldNotContain("87.345");
    }

    [Fact]
    public async Task Given_the_vitals_form_When_values_are_missing_out_of_range_or_in_the_future_Then_each_field_says_why_and_nothing_is_added()
    {
        var page = await portal.NewPageAsync();
        await PortalPages.RegisterAsync(page, "Olga Outofrange", Unique("olga"), PhrUser.NewPassword());

        await PortalPages.AddVitalsAsync(page);
        await Assertions.Expect(page.Locator("#error-summary")).ToContainTextAsync("Enter at least one measurement.");

        await PortalPages.AddVitalsAsync(page, pulse: "900", temperature: "3.7", systolic: "120", diastolic: "130", weight: "0.1",
            measuredAt: DateTime.UtcNow.AddDays(2).ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture));

        var summary = page.Locator("#error-summary");
        await Assertions.Expect(summary).ToContainTextAsync("Enter a pulse between 20 and 250 beats/minute.");
        await Assertions.Expect(summary).ToContainTextAsync("Enter a body temperature between 30 and 45 °C.");
        await Assertions.Expect(summary).ToContainTextAsync("The diastolic pressure must be below the systolic.");
        await Assertions.Expect(summary).ToContainTextAsync("Enter a body weight between 0.5 and 400 kg.");
        await Assertions.Expect(summary).ToContainTextAsync("The time is in the future");
        await Assertions.Expect(FieldError(page, "Form.Pulse")).ToHaveTextAsync("Enter a pulse between 20 and 250 beats/minute.");
        await Assertions.Expect(FieldError(page, "Form.Diastolic")).ToContainTextAsync("below the systolic");

        await PortalPages.AddVitalsAsync(page, systolic: "120");
        await Assertions.Expect(FieldError(page, "Form.Diastolic")).ToContainTextAsync("Enter the diastolic pressure as well");
        await page.GotoAsync("/Vitals");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("No vitals recorded yet.");
    }

    [Fact]
    public async Task Given_a_patient_with_weeks_of_vitals_who_granted_a_doctor_vitals_When_the_doctor_opens_the_record_Then_the_doctor_sees_the_charts_without_a_form()
    {
        var (patientPage, patient) = await NewPatientAsync("Wendy Weeks");
        using var doctor = await NewDoctorAsync();
        await RecordWeeksAsync(patient, weeks: 6);
        await GrantAsync(patient, doctor.User, reads: [PhrSection.Vitals]);

        await patientPage.GotoAsync("/Vitals");
        await Assertions.Expect(LatestRow(patientPage, "Blood pressure")).ToContainTextAsync("mmHg");
        await PortalSystem.ScreenshotAsync(patientPage, "vitals");
        var page = await doctor.SignInAsync(portal);
        await page.GotoAsync(VitalsOf(patient));

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Vitals of " + patient.Username })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { Name = "Blood pressure (mmHg) over time" })).ToBeVisibleAsync();
        await Assertions.Expect(LatestRow(page, "Pulse")).ToContainTextAsync("42");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Add measurements" })).ToHaveCountAsync(0);
        await PortalSystem.ScreenshotAsync(page, "vitals-shared");
    }

    [Fact]
    public async Task Given_a_doctor_without_a_grant_When_opening_or_posting_to_the_patients_vitals_Then_not_shared_and_the_post_is_refused_with_a_message()
    {
        var (patientPage, patient) = await NewPatientAsync("Nora Notshared");
        using var doctor = await NewDoctorAsync();
        await PortalPages.AddVitalsAsync(patientPage, pulse: "66");
        var page = await doctor.SignInAsync(portal);

        await page.GotoAsync(VitalsOf(patient));

        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("Not shared with you");
        await Assertions.Expect(page.Locator("svg.chart")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Add measurements" })).ToHaveCountAsync(0);
        // The sign-out form's anti-forgery token is this session's: a forged form is refused for want of a grant, not of a token.
        var token = await page.Locator("header input[name='__RequestVerificationToken']").InputValueAsync();
        var answer = await page.APIRequest.PostAsync(VitalsOf(patient), new()
        {
            Form = page.APIRequest.CreateFormData().Set("Form.Pulse", "80").Set("Form.MeasuredAt", "2026-01-01T10:00").Set("__RequestVerificationToken", token),
            MaxRedirects = 0,
        });
        answer.Status.ShouldBe((int)HttpStatusCode.Forbidden);
        (await answer.TextAsync()).ShouldContain("has not granted you the right to add vitals");
        await patientPage.GotoAsync("/Vitals");
        await Assertions.Expect(LatestRow(patientPage, "Pulse")).ToContainTextAsync("66 beats/minute");
    }

    [Fact]
    public async Task Given_a_doctor_with_a_vitals_write_grant_When_the_doctor_records_a_pulse_Then_the_patient_sees_it()
    {
        var (patientPage, patient) = await NewPatientAsync("Walter Writegrant");
        using var doctor = await NewDoctorAsync();
        await GrantAsync(patient, doctor.User, reads: [PhrSection.Vitals], writes: [PhrSection.Vitals]);
        var page = await doctor.SignInAsync(portal);
        await page.GotoAsync(VitalsOf(patient));

        await PortalPages.AddVitalsAsync(page, pulse: "93", open: false);

        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("1 measurement was added");
        await Assertions.Expect(LatestRow(page, "Pulse")).ToContainTextAsync("93 beats/minute");
        await patientPage.GotoAsync("/Vitals");
        await Assertions.Expect(LatestRow(patientPage, "Pulse")).ToContainTextAsync("93 beats/minute");
    }

    [Fact]
    public async Task Given_readings_older_and_newer_than_90_days_When_the_patient_opens_the_page_and_then_chooses_all_Then_the_older_reading_shows_only_under_all_and_the_page_names_the_period()
    {
        var (patientPage, patient) = await NewPatientAsync("Petra Period");
        using var doctor = await NewDoctorAsync();
        await RecordPulsesAsync(patient, (DaysAgo: 120, Pulse: 55), (DaysAgo: 40, Pulse: 61), (DaysAgo: 10, Pulse: 66));
        await GrantAsync(patient, doctor.User, reads: [PhrSection.Vitals]);

        await patientPage.GotoAsync("/Vitals");

        await Assertions.Expect(patientPage.Locator("main")).ToContainTextAsync("Showing the last 90 days: 2 readings");
        await Assertions.Expect(PeriodChoice(patientPage)).ToHaveValueAsync("90d");
        await Assertions.Expect(LatestRow(patientPage, "Pulse").GetByRole(AriaRole.Cell).Nth(2)).ToHaveTextAsync("2");
        await Assertions.Expect(LatestRow(patientPage, "Pulse")).ToContainTextAsync("61–66");
        await Assertions.Expect(patientPage.Locator("svg[data-vital='pulse'] circle")).ToHaveCountAsync(2);
        await Assertions.Expect(patientPage.GetByRole(AriaRole.Img, new() { Name = "Pulse (beats/minute) over time 2 readings in the last 90 days" })).ToBeVisibleAsync();

        await PeriodChoice(patientPage).SelectOptionAsync(new SelectOptionValue { Label = "Last 30 days" });
        await patientPage.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Assertions.Expect(patientPage.Locator("main")).ToContainTextAsync("Showing the last 30 days: 1 reading");
        await Assertions.Expect(patientPage.Locator("svg[data-vital='pulse'] circle")).ToHaveCountAsync(1);

        await PeriodChoice(patientPage).SelectOptionAsync(new SelectOptionValue { Label = "All readings" });
        await patientPage.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Assertions.Expect(patientPage.Locator("main")).ToContainTextAsync("Showing all readings: 3 readings");
        await Assertions.Expect(LatestRow(patientPage, "Pulse")).ToContainTextAsync("55–66");
        await Assertions.Expect(patientPage.Locator("svg[data-vital='pulse'] circle")).ToHaveCountAsync(3);

        var page = await doctor.SignInAsync(portal);
        await page.GotoAsync(VitalsOf(patient));
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("Showing the last 90 days: 2 readings");
        await page.GotoAsync(VitalsOf(patient) + "&period=all");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("Showing all readings: 3 readings");
    }

    [Fact]
    public async Task Given_a_period_the_page_does_not_offer_When_the_vitals_page_is_asked_for_it_Then_it_answers_400()
    {
        var page = await portal.NewPageAsync();
        await PortalPages.RegisterAsync(page, "Ursula Unknownperiod", Unique("ursula"), PhrUser.NewPassword());

        var answer = await page.GotoAsync("/Vitals?period=5000y");

        answer!.Status.ShouldBe((int)HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Given_a_year_of_daily_readings_of_four_vitals_When_the_patient_and_a_granted_doctor_open_the_page_Then_the_last_90_days_show_by_default_and_every_reading_under_all_in_reasonable_time()
    {
        var (patientPage, patient) = await NewPatientAsync("Yara Year");
        using var doctor = await NewDoctorAsync();
        var firstDay = await RecordYearAsync(patient);
        await GrantAsync(patient, doctor.User, reads: [PhrSection.Vitals]);
        var page = await doctor.SignInAsync(portal);

        var ownTime = await TimeAsync(patientPage, "/Vitals");
        var sharedTime = await TimeAsync(page, VitalsOf(patient));
        var inLast90Days = Enumerable.Range(0, 365).Count(day => firstDay.AddDays(day) >= DateTimeOffset.UtcNow.AddDays(-90)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var shown in new[] { patientPage, page })
        {
            await Assertions.Expect(shown.Locator("main")).ToContainTextAsync("Showing the last 90 days");
            await Assertions.Expect(LatestRow(shown, "Pulse").GetByRole(AriaRole.Cell).Nth(2)).ToHaveTextAsync(inLast90Days);
        }

        var ownYearTime = await TimeAsync(patientPage, "/Vitals?period=all");
        var sharedYearTime = await TimeAsync(page, VitalsOf(patient) + "&period=all");

        output.WriteLine($"vitals page, a year of daily readings of four vitals, last 90 days (default): patient {ownTime.TotalSeconds:0.0} s, doctor {sharedTime.TotalSeconds:0.0} s");
        output.WriteLine($"vitals page, a year of daily readings of four vitals, all readings: patient {ownYearTime.TotalSeconds:0.0} s, doctor {sharedYearTime.TotalSeconds:0.0} s");
        foreach (var shown in new[] { patientPage, page })
        {
            await Assertions.Expect(LatestRow(shown, "Pulse").GetByRole(AriaRole.Cell).Nth(2)).ToHaveTextAsync("365");
            await Assertions.Expect(LatestRow(shown, "Blood pressure").GetByRole(AriaRole.Cell).Nth(2)).ToHaveTextAsync("365");
            (await shown.Locator("svg[data-vital='weight'] polyline").GetAttributeAsync("points"))!.Split(' ').Length.ShouldBe(365);
        }

        // Generous bounds: the machine running the suite may be busy; the measured times are in the output.
        foreach (var time in new[] { ownTime, sharedTime, ownYearTime, sharedYearTime })
        {
            time.ShouldBeLessThan(TimeSpan.FromSeconds(60));
        }
    }

    private static async Task<TimeSpan> TimeAsync(IPage page, string path)
    {
        var watch = Stopwatch.StartNew();
        await page.GotoAsync(path);
        return watch.Elapsed;
    }

    private static ILocator PeriodChoice(IPage page) => page.GetByLabel("Period", new() { Exact = true });

    private static ILocator LatestRow(IPage page, string vital) =>
        page.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Rowheader, new() { Name = vital, Exact = true }) });

    private static ILocator FieldError(IPage page, string field) => page.Locator($"span.field-error[data-valmsg-for='{field}']");

    private static string VitalsOf(PhrUser patient) => "/Vitals?patient=" + patient.FhirUser["Patient/".Length..];

    /// <summary>A patient registered in the browser (signed in there) and signed in through the SDK as well, for what the test does behind the pages.</summary>
    private async Task<(IPage Page, PhrUser Patient)> NewPatientAsync(string name)
    {
        var page = await portal.NewPageAsync();
        var (username, password) = (Unique(name.Split(' ')[0].ToLowerInvariant()), PhrUser.NewPassword());
        await PortalPages.RegisterAsync(page, name, username, password);
        return (page, await PhrUser.SignInAsync(portal.System.Endpoints, username, password));
    }

    /// <summary>A doctor registered through the SDK and approved by the admin; signs in to the portal with the password.</summary>
    private async Task<Doctor> NewDoctorAsync()
    {
        var password = PhrUser.NewPassword();
        var doctor = PhrUser.Create(portal.System.Endpoints, Unique("dr"), SrsRoles.Practitioner, "Practitioner/" + Guid.NewGuid().ToString("N"), password);
        var registered = await doctor.RegisterAsync();
        await portal.System.Admin.RenewIfExpiringAsync();
        await portal.System.Admin.Srs.ApproveAsync(registered.UserId.ToString(), await portal.System.Admin.GetSrsAccessTokenAsync());
        await doctor.LoginAsync();
        return new Doctor(doctor, password);
    }

    /// <summary>The patient's grant, made with the journal the portal keeps for them (so the portal's next write uses the same epochs).</summary>
    private async Task GrantAsync(PhrUser patient, PhrUser grantee, PhrSection[] reads, PhrSection[]? writes = null)
    {
        var grants = PatientGrants.Open(patient, Path.Combine(portal.DataDirectory, "journals", patient.RequireUserId));
        await grants.GrantAsync(grantee.FhirUser, grantee.Keys.Fingerprint, reads, writeSections: writes);
    }

    /// <summary>Daily pulse and temperature, blood pressure every other day and weekly weight, the last reading a pulse of 42.</summary>
    private async Task RecordWeeksAsync(PhrUser patient, int weeks)
    {
        var record = new PatientRecord(patient, PatientGrants.Open(patient, Path.Combine(portal.DataDirectory, "journals", patient.RequireUserId)).Book);
        var start = DateTimeOffset.UtcNow.Date.AddDays(-7 * weeks);
        for (var day = 0; day < 7 * weeks; day++)
        {
            var at = new DateTimeOffset(start.AddDays(day).AddHours(8), TimeSpan.Zero);
            var wave = (decimal)Math.Sin(day / 3.0);
            var observations = new List<Hl7.Fhir.Model.Observation>
            {
                VitalSign.Pulse.Observe(day == (7 * weeks) - 1 ? 42 : 68 + Math.Round(6 * wave), record.Subject, at),
                VitalSign.Temperature.Observe(36.7m + Math.Round(0.3m * wave, 1), record.Subject, at),
            };
            if (day % 2 == 0)
            {
                observations.Add(VitalSign.ObserveBloodPressure(122 + Math.Round(8 * wave), 79 + Math.Round(5 * wave), record.Subject, at));
            }

            if (day % 7 == 0)
            {
                observations.Add(VitalSign.Weight.Observe(71.5m - (day / 14m), record.Subject, at));
            }

            foreach (var observation in observations)
            {
                (await record.WriteAsync(observation)).IsSuccess.ShouldBeTrue();
            }
        }
    }

    /// <summary>One pulse reading per entry, measured at 08:00 UTC the given number of days ago.</summary>
    private async Task RecordPulsesAsync(PhrUser patient, params (int DaysAgo, decimal Pulse)[] readings)
    {
        var record = new PatientRecord(patient, PatientGrants.Open(patient, Path.Combine(portal.DataDirectory, "journals", patient.RequireUserId)).Book);
        foreach (var (daysAgo, pulse) in readings)
        {
            var at = new DateTimeOffset(DateTimeOffset.UtcNow.Date.AddDays(-daysAgo).AddHours(8), TimeSpan.Zero);
            (await record.WriteAsync(VitalSign.Pulse.Observe(pulse, record.Subject, at))).IsSuccess.ShouldBeTrue();
        }
    }

    /// <summary>A year of daily pulse, temperature, blood pressure and weight, written as one sealed transaction per vital; returns when the first day's readings were taken.</summary>
    private async Task<DateTimeOffset> RecordYearAsync(PhrUser patient)
    {
        var record = new PatientRecord(patient, PatientGrants.Open(patient, Path.Combine(portal.DataDirectory, "journals", patient.RequireUserId)).Book);
        using var fhir = record.CreateFhirClient();
        var start = DateTimeOffset.UtcNow.Date.AddDays(-365);
        Func<DateTimeOffset, int, Observation>[] vitals =
        [
            (at, day) => VitalSign.Pulse.Observe(60 + (day % 20), record.Subject, at),
            (at, day) => VitalSign.Temperature.Observe(36.5m + (day % 5 / 10m), record.Subject, at),
            (at, day) => VitalSign.ObserveBloodPressure(115 + (day % 15), 75 + (day % 10), record.Subject, at),
            (at, day) => VitalSign.Weight.Observe(72 + (day % 30 / 10m), record.Subject, at),
        ];
        foreach (var observe in vitals)
        {
            var bundle = new Bundle { Type = Bundle.BundleType.Transaction };
            for (var day = 0; day < 365; day++)
            {
                var observation = observe(new DateTimeOffset(start.AddDays(day).AddHours(7), TimeSpan.Zero), day);
                bundle.Entry.Add(new Bundle.EntryComponent
                {
                    Resource = observation,
                    Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = "Observation/" + observation.Id },
                });
            }

            (await fhir.TransactionAsync(bundle))!.Entry.Count.ShouldBe(365);
        }

        return new DateTimeOffset(start.AddHours(7), TimeSpan.Zero);
    }

    private static string Unique(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];

    private sealed record Doctor(PhrUser User, string Password) : IDisposable
    {
        public async Task<IPage> SignInAsync(PortalSystem portal)
        {
            var page = await portal.NewPageAsync();
            await PortalPages.SignInAsync(page, User.Username, Password);
            await Assertions.Expect(page.Locator("header .who")).ToContainTextAsync(User.Username);
            return page;
        }

        public void Dispose() => User.Dispose();
    }
}
