using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using SeSPHR.Client.Accounts;
using SeSPHR.Testing;

namespace SeSPHR.SystemTests.Portal;

/// <summary>
/// The portal as an attacker or an unlucky user meets it: limits, expiry, what the browser, the
/// databases and the logs can learn, and the pages a failure ends on.
/// </summary>
[Collection(PortalTests.Collection)]
public sealed partial class PortalSecurityTests(PortalSystem portal)
{
    /// <summary>What an ASP.NET stack trace or exception page would show.</summary>
    private static readonly string[] StackTraceMarks = ["   at ", "Exception", "Microsoft.AspNetCore", "System.", ".cs:line"];

    [Fact]
    public async Task Given_a_portal_allowing_three_sign_ins_a_minute_When_a_fourth_is_tried_Then_the_page_says_to_wait_and_looking_does_not_count()
    {
        await using var strict = await portal.StartPortalAsync("portal-sign-in-limit", new Dictionary<string, string> { ["Portal__SignInPermitsPerMinute"] = "3" });
        var page = await portal.NewPageAsync(strict);

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            await PortalPages.SignInAsync(page, Unique("guess"), "Not-the-password-42");
            await Assertions.Expect(page.Locator("#error-summary")).ToContainTextAsync("Unknown username or wrong password");
        }

        var refused = await page.RunAndWaitForResponseAsync(
            () => PortalPages.SignInAsync(page, Unique("guess"), "Not-the-password-42"),
            response => response.Request.Method == "POST" && response.Url.Contains("/Account/SignIn", StringComparison.Ordinal));

        refused.Status.ShouldBe(429);
        var retryAfter = int.Parse(refused.Headers["retry-after"], System.Globalization.CultureInfo.InvariantCulture);
        retryAfter.ShouldBeInRange(1, 60);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Too many attempts", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Too many sign-in or registration attempts");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync(new Regex(@"Try again in \d+ seconds?"));
        await Assertions.Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Main" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "try the sign-in again" })).ToBeVisibleAsync();
        await PortalSystem.ScreenshotAsync(page, "sign-in-rate-limit");
    }

    [Fact]
    public async Task Given_a_portal_with_a_five_second_idle_limit_When_the_person_comes_back_later_Then_the_page_sends_them_to_sign_in()
    {
        await using var brief = await portal.StartPortalAsync("portal-short-session", new Dictionary<string, string> { ["Portal__IdleTimeout"] = "00:00:05" });
        var page = await portal.NewPageAsync(brief);
        await PortalPages.RegisterAsync(page, "Short Session", Unique("idle"), PhrUser.NewPassword());
        await page.GotoAsync("/Session");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your session" })).ToBeVisibleAsync();

        await Task.Delay(TimeSpan.FromSeconds(7));
        await page.GotoAsync("/Session");

        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/Account/SignIn"));
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("Your session ended; sign in again.");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Given_a_patient_who_typed_a_password_and_protected_values_Then_neither_database_dump_nor_any_log_nor_the_portal_folder_holds_them()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var typed = new Registration($"Zephyrine Canary{tag}", Unique("canary"), PhrUser.NewPassword(), $"zq{tag}@canary.example", $"+1 555 73{Random.Shared.Next(100_000, 999_999)}");
        var page = await portal.NewPageAsync();
        await PortalPages.RegisterAsync(page, typed);
        await Assertions.Expect(page.Locator("header .who")).ToContainTextAsync(typed.Username);
        await PortalPages.SignOutAsync(page);
        await PortalPages.SignInAsync(page, typed.Username, typed.Password);
        await Assertions.Expect(page.Locator("header .who")).ToContainTextAsync(typed.Username);
        await page.GotoAsync("/Session");

        var secrets = new[] { typed.Password, typed.OwnerName, typed.Email, typed.ContactNumber };
        var places = new Dictionary<string, string>
        {
            ["pg_dump of the FhirServer's database"] = await PostgresTools.DumpAsync(portal.System.FhirDatabase.Name),
            ["pg_dump of the SRS's database"] = await PostgresTools.DumpAsync(portal.System.SrsDatabase.Name),
            ["the portal's log"] = portal.Portal.ReadLog(),
            ["the SRS's log"] = portal.System.Srs.ReadLog(),
            ["the FhirServer's log"] = portal.System.FhirServer.ReadLog(),
            ["the portal's data folder"] = string.Join('\n', Directory.EnumerateFiles(portal.DataDirectory, "*", SearchOption.AllDirectories).Select(File.ReadAllText)),
        };

        foreach (var (place, text) in places)
        {
            foreach (var secret in secrets)
            {
                text.ShouldNotContain(secret, Case.Insensitive, $"{place} holds a typed value");
            }
        }

        foreach (var log in new[] { "the portal's log", "the SRS's log", "the FhirServer's log" })
        {
            JwtShape().IsMatch(places[log]).ShouldBeFalse($"{log} holds a token");
        }

        places["the portal's log"].ShouldContain("/Account/SignIn", Case.Sensitive, "the portal logs its requests in this test, so the check above covered every request line");
    }

    [Fact]
    public async Task Given_a_signed_in_patient_Then_cookies_are_small_opaque_and_neither_cookies_nor_pages_hold_a_token_or_a_key()
    {
        var username = Unique("keys");
        var password = PhrUser.NewPassword();
        var page = await portal.NewPageAsync();
        await PortalPages.RegisterAsync(page, "Key Holder", username, password);
        await Assertions.Expect(page.Locator("header .who")).ToContainTextAsync(username);
        var sources = new List<string> { await page.ContentAsync() };
        foreach (var path in new[] { "/", "/Session", "/Account/SignIn", PortalSignInHome })
        {
            await page.GotoAsync(path);
            sources.Add(await page.ContentAsync());
        }

        var cookies = await page.Context.CookiesAsync();
        using var sameUser = await PhrUser.SignInAsync(portal.System.Endpoints, username, password);
        var keyMaterial = Encodings(sameUser.Keys.ToBackupPayload()).ToList();

        cookies.Select(c => c.Name).ShouldBeSubsetOf(["sesphr.portal", "sesphr.antiforgery", "sesphr.tz"], "one session cookie (never chunked), the anti-forgery cookie and the time zone's name");
        foreach (var cookie in cookies)
        {
            cookie.Value.Length.ShouldBeLessThan(1200, $"{cookie.Name} is larger than an opaque session id with four claims");
            JwtShape().IsMatch(cookie.Value).ShouldBeFalse($"{cookie.Name} holds a token");
            cookie.Value.ShouldNotContain(password, Case.Sensitive);
        }

        foreach (var source in sources.Concat(cookies.Select(c => c.Value)))
        {
            JwtShape().IsMatch(source).ShouldBeFalse("a page holds a token");
            source.ShouldNotContain(password, Case.Sensitive);
            foreach (var encoded in keyMaterial)
            {
                source.ShouldNotContain(encoded, Case.Insensitive, "a page or cookie holds key material");
            }
        }
    }

    [Fact]
    public async Task Given_a_failed_sign_in_Then_the_password_is_not_sent_back_in_the_page()
    {
        var page = await portal.NewPageAsync();
        var password = "Typed-password-" + Guid.NewGuid().ToString("N")[..8];

        await PortalPages.SignInAsync(page, Unique("nobody"), password);

        await Assertions.Expect(page.Locator("#error-summary")).ToContainTextAsync("Unknown username or wrong password");
        (await page.ContentAsync()).ShouldNotContain(password);
    }

    [Theory]
    [InlineData(SrsRoles.Patient)]
    [InlineData(SrsRoles.RelatedPerson)]
    [InlineData("")]
    public async Task Given_every_page_reachable_for_a_person_Then_each_has_the_content_security_policy_no_inline_script_or_style_and_each_post_form_an_antiforgery_token(string role)
    {
        var page = await portal.NewPageAsync();
        var start = new List<string> { "/", "/Account/SignIn", "/Account/Register", "/Account/Enrol", "/Account/Denied", "/Session", "/no-such-page" };
        if (role.Length > 0)
        {
            await PortalPages.RegisterAsync(page, "Crawl " + role, Unique("crawl"), PhrUser.NewPassword(), role);
            await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeVisibleAsync();
            start.Insert(0, new Uri(page.Url).PathAndQuery);
        }

        var findings = await PortalCrawl.CrawlAsync(page, start);

        findings.Visited.ShouldBeGreaterThan(5);
        findings.Problems.ShouldBeEmpty();
    }

    [Fact]
    public async Task Given_an_unknown_address_Then_a_not_found_page_without_internals()
    {
        var page = await portal.NewPageAsync();

        var response = await page.GotoAsync("/no/such/page?x=1");

        response!.Status.ShouldBe((int)HttpStatusCode.NotFound);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not found" })).ToBeVisibleAsync();
        ShouldShowNoInternals(await page.ContentAsync());
    }

    [Fact]
    public async Task Given_malformed_posts_Then_a_bad_request_page_without_internals()
    {
        var page = await portal.NewPageAsync();
        await page.GotoAsync("/Account/SignIn");

        var noToken = await page.APIRequest.PostAsync("/Account/SignIn", new()
        {
            Form = page.APIRequest.CreateFormData().Set("Form.Username", "someone").Set("Form.Password", "whatever"),
        });
        var brokenBody = await page.APIRequest.PostAsync("/Account/SignIn", new()
        {
            Headers = new Dictionary<string, string> { ["Content-Type"] = "multipart/form-data" },
            Data = "--no-boundary\r\nContent-Disposition: form-data; name=\"Form.Username\"\r\n\r\nx",
        });
        var wrongType = await page.APIRequest.PostAsync("/Account/Register", new()
        {
            Headers = new Dictionary<string, string> { ["Content-Type"] = "application/json" },
            Data = "{\"Form\":{\"Username\":\"x\"}}",
        });

        foreach (var (what, answer) in new[] { ("no token", noToken), ("a multipart body without a boundary", brokenBody), ("a JSON body", wrongType) })
        {
            answer.Status.ShouldBe((int)HttpStatusCode.BadRequest, what);
            var body = await answer.TextAsync();
            body.ShouldContain("<h1>Bad request</h1>", Case.Sensitive, what);
            ShouldShowNoInternals(body);
        }
    }

    [Fact]
    public async Task Given_a_portal_whose_SRS_is_down_When_someone_signs_in_or_registers_Then_a_clear_unavailable_page_without_internals()
    {
        await using var stranded = await portal.StartPortalAsync("portal-srs-down", new Dictionary<string, string> { ["Portal__SrsUrl"] = $"http://127.0.0.1:{DeadPort()}" });
        var page = await portal.NewPageAsync(stranded);

        var signIn = await page.RunAndWaitForResponseAsync(() => PortalPages.SignInAsync(page, Unique("stranded"), "Some-password-4242"),
            r => r.Request.Method == "POST");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "The key server is not reachable" })).ToBeVisibleAsync();
        ShouldShowNoInternals(await page.ContentAsync());
        await PortalSystem.ScreenshotAsync(page, "srs-unavailable");
        await PortalPages.RegisterAsync(page, "Stranded", Unique("stranded"), PhrUser.NewPassword());
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "The key server is not reachable" })).ToBeVisibleAsync();

        signIn.Status.ShouldBe((int)HttpStatusCode.ServiceUnavailable);
        ShouldShowNoInternals(await page.ContentAsync());
    }

    [Fact]
    public async Task Given_a_portal_whose_FhirServer_is_down_When_a_patient_registers_Then_a_clear_unavailable_page_without_internals()
    {
        await using var stranded = await portal.StartPortalAsync("portal-fhir-down", new Dictionary<string, string> { ["Portal__FhirUrl"] = $"http://127.0.0.1:{DeadPort()}/fhir" });
        var page = await portal.NewPageAsync(stranded);

        await PortalPages.RegisterAsync(page, "Stranded Record", Unique("nofhir"), PhrUser.NewPassword());

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "not reachable" })).ToBeVisibleAsync();
        ShouldShowNoInternals(await page.ContentAsync());
    }

    /// <summary>Where a signed-in patient starts (the role's home page).</summary>
    private const string PortalSignInHome = "/Record";

    private static void ShouldShowNoInternals(string body)
    {
        foreach (var mark in StackTraceMarks)
        {
            body.ShouldNotContain(mark, Case.Sensitive, "the page shows the portal's internals");
        }
    }

    /// <summary>The secret scalars of a key payload as a page or cookie could carry them: base64, base64url and hex.</summary>
    private static IEnumerable<string> Encodings(byte[] payload)
    {
        const int scalar = 32;
        for (var offset = payload.Length - (3 * scalar); offset < payload.Length; offset += scalar)
        {
            var bytes = payload.AsSpan(offset, scalar).ToArray();
            var base64 = Convert.ToBase64String(bytes);
            yield return base64.TrimEnd('=');
            yield return base64.TrimEnd('=').Replace('+', '-').Replace('/', '_');
            yield return Convert.ToHexString(bytes);
        }

        yield return Convert.ToBase64String(payload).TrimEnd('=');
    }

    /// <summary>A loopback port nothing listens on.</summary>
    private static int DeadPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Unique(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];

    /// <summary>
    /// A JSON Web Token: a base64url JSON header, a payload and a signature joined by dots. Other
    /// base64 JSON, such as the access log's paging cursor (a time and an AuditEvent id), is not one.
    /// </summary>
    [GeneratedRegex(@"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")]
    private static partial Regex JwtShape();
}
