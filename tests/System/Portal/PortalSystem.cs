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
        Portal = new ServerProcess("portal", "Portal", "SeSPHR.Portal", System.WorkFolder, PortalSettings(DataDirectory, new Dictionary<string, string>
        {
            // Many sign-ins from one loopback address per minute; the limit itself has its own test.
            ["Portal__SignInPermitsPerMinute"] = "1000",
            // Every request line in the log, as an operator chasing a problem would turn it on: the
            // log checks then also see every URL the portal was asked for.
            ["Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
        }));
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

    /// <summary>
    /// Another portal process on this system's SRS and FhirServer, with settings of its own on top
    /// (a low sign-in limit, a short session, a server that is down); the caller disposes it.
    /// </summary>
    public async Task<ServerProcess> StartPortalAsync(string name, IReadOnlyDictionary<string, string> settings)
    {
        var portal = new ServerProcess(name, "Portal", "SeSPHR.Portal", System.WorkFolder, PortalSettings(Path.Combine(System.WorkFolder, name + "-data"), settings));
        try
        {
            await portal.StartAsync();
            return portal;
        }
        catch
        {
            await portal.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A fresh browser context (no cookies) with a page on the portal (or on <paramref name="portal"/>),
    /// in the browser's own time zone or <paramref name="timeZoneId"/>, with JavaScript unless <paramref name="javaScript"/> is false.
    /// </summary>
    public async Task<IPage> NewPageAsync(ServerProcess? portal = null, string? timeZoneId = null, bool javaScript = true)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = (portal ?? Portal).BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1200, Height = 900 },
            TimezoneId = timeZoneId,
            JavaScriptEnabled = javaScript,
        });
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

    private Dictionary<string, string> PortalSettings(string dataDirectory, IReadOnlyDictionary<string, string> extra)
    {
        var settings = new Dictionary<string, string>
        {
            ["Portal__SrsUrl"] = System.Endpoints.Srs.ToString().TrimEnd('/'),
            ["Portal__FhirUrl"] = System.Endpoints.Fhir.ToString().TrimEnd('/'),
            ["Portal__DataDirectory"] = dataDirectory,
            ["Portal__SignInPermitsPerMinute"] = "1000",
        };
        foreach (var (name, value) in extra)
        {
            settings[name] = value;
        }

        return settings;
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
