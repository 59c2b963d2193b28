using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using SeSPHR.Client.Accounts;

namespace SeSPHR.SystemTests.Portal;

/// <summary>
/// Times in the reader's own time zone: the browser tells the portal its zone through a script of
/// the portal's own, every time shown names its zone, and a browser without JavaScript sees UTC.
/// </summary>
[Collection(PortalTests.Collection)]
public sealed class TimeZonePagesTests(PortalSystem portal)
{
    /// <summary>A zone without daylight saving time, half an hour off a whole hour: a wrong conversion cannot hide.</summary>
    private const string Kolkata = "Asia/Kolkata";

    /// <summary>The zone's name as the page labels it: the browser may report the older name of the same zone.</summary>
    private const string KolkataLabel = @"Asia\/(Kolkata|Calcutta)";

    private static readonly TimeSpan KolkataOffset = new(5, 30, 0);

    [Fact]
    public async Task Given_a_browser_in_Kolkata_When_the_patient_records_a_pulse_at_a_local_time_Then_pages_show_and_label_Kolkata_time_and_a_browser_without_javascript_shows_UTC()
    {
        var page = await portal.NewPageAsync(timeZoneId: Kolkata);
        var (username, password) = (Unique("zoe"), PhrUser.NewPassword());
        await PortalPages.RegisterAsync(page, "Zoe Zone", username, password);
        await Assertions.Expect(page.Locator("header .who")).ToContainTextAsync(username);

        await page.GotoAsync("/Vitals");
        await Assertions.Expect(page.GetByLabel("Measured at")).ToHaveAccessibleNameAsync(new Regex($@"^Measured at \({KolkataLabel}\)$"));
        // Within the vitals page's default period (the last 90 days), at a quarter past nine in Kolkata.
        var kolkata = DateTime.UtcNow.Date.AddDays(-3).AddHours(9).AddMinutes(15);
        var utc = kolkata - KolkataOffset;
        await PortalPages.AddVitalsAsync(page, pulse: "72", measuredAt: kolkata.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture), open: false);

        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("1 measurement was added");
        await Assertions.Expect(LatestRow(page, "Pulse")).ToContainTextAsync(kolkata.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture));
        await Assertions.Expect(page.GetByRole(AriaRole.Columnheader, new() { NameRegex = new Regex($@"^Measured \({KolkataLabel}\)$") })).ToBeVisibleAsync();

        var plain = await portal.NewPageAsync(javaScript: false);
        await PortalPages.SignInAsync(plain, username, password);
        await plain.GotoAsync("/Vitals");
        await Assertions.Expect(LatestRow(plain, "Pulse")).ToContainTextAsync(utc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture));
        await Assertions.Expect(plain.GetByRole(AriaRole.Columnheader, new() { Name = "Measured (UTC)" })).ToBeVisibleAsync();
        await Assertions.Expect(plain.GetByLabel("Measured at (UTC)")).ToBeVisibleAsync();

        await page.GotoAsync("/AccessLog");
        await Assertions.Expect(page.GetByRole(AriaRole.Columnheader, new() { NameRegex = new Regex($@"^When \({KolkataLabel}\)$") })).ToBeVisibleAsync();
        var newest = DateTime.ParseExact(await page.Locator("tbody tr td").First.InnerTextAsync(), "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        (newest - (DateTime.UtcNow + KolkataOffset)).Duration().ShouldBeLessThan(TimeSpan.FromMinutes(10));

        await page.GotoAsync("/Sharing");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync(new Regex($@"Access ends when this day ends \({KolkataLabel} time\)"));
        await page.GotoAsync("/Session");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync(new Regex(KolkataLabel));
    }

    [Fact]
    public async Task Given_a_cookie_naming_no_real_time_zone_When_a_page_shows_times_Then_they_are_in_UTC()
    {
        var page = await portal.NewPageAsync(javaScript: false);
        await PortalPages.RegisterAsync(page, "Nix Nozone", Unique("nix"), PhrUser.NewPassword());
        await page.Context.AddCookiesAsync([new Cookie { Name = "sesphr.tz", Value = "Mars%2FOlympus_Mons", Url = portal.PortalBase.ToString() }]);

        await page.GotoAsync("/Vitals");

        await Assertions.Expect(page.GetByLabel("Measured at (UTC)")).ToBeVisibleAsync();
        await page.GotoAsync("/Session");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("UTC");
    }

    private static ILocator LatestRow(IPage page, string vital) =>
        page.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Rowheader, new() { Name = vital, Exact = true }) });

    private static string Unique(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];
}
