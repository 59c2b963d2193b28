using Microsoft.Playwright;
using SeSPHR.SystemTests.Infrastructure;

namespace SeSPHR.SystemTests.Portal;

/// <summary>
/// The whole system with the web portal in front: the SRS and the FhirServer of a
/// <see cref="SesphrSystem"/>, the built portal as a third process on loopback pointed at them, and
/// Debian's Chromium driven headless by Playwright (never a downloaded browser). Each test opens
/// its own browser context, so cookies never leak between people.
/// </summary>
public sealed class PortalSystem : IAsyncLifetime
{
    /// <summary>Where Debian installs Chromium; the test command installs the package when it is missing.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public SesphrSystem System { get; } = new();

    public ServerProcess Portal { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public Uri PortalBase => Portal.BaseAddress;

    public string DataDirectory => Path.Combine(System.WorkFolder, "portal-data");

    public async Task InitializeAsync()
    {
        await System.InitializeAsync();
        Portal = new ServerProcess("portal", "Portal", "SeSPHR.Portal", System.WorkFolder, new Dictionary<string, string>
        {
            ["Portal__SrsUrl"] = System.Endpoints.Srs.ToString().TrimEnd('/'),
            ["Portal__FhirUrl"] = System.Endpoints.Fhir.ToString().TrimEnd('/'),
            ["Portal__DataDirectory"] = DataDirectory,
            // Many sign-ins from one loopback address per minute; the limit itself has its own test.
            ["Portal__SignInPermitsPerMinute"] = "1000",
        });
        await Portal.StartAsync();
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: install Debian's chromium package (./sesphr test does).");
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // The machine's network is closed: without these Chromium keeps trying to reach Google.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>A fresh browser context (no cookies) with a page on the portal.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = PortalBase.ToString(), ViewportSize = new ViewportSize { Width = 1200, Height = 900 } });
        context.SetDefaultTimeout(60_000);
        return await context.NewPageAsync();
    }

    /// <summary>A screenshot of the whole page into <c>docs/screenshots/{name}.png</c>, for the README.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var folder = Path.Combine(Repository.Root, "docs", "screenshots");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (Portal is not null)
        {
            await Portal.DisposeAsync();
        }

        await System.DisposeAsync();
    }
}
