using System.Net;
using Microsoft.Playwright;
using SeSPHR.Client.Accounts;

namespace SeSPHR.SystemTests.Portal;

/// <summary>Registration, sign-in and sign-out in a real browser, and the web protections around them.</summary>
[Collection(PortalTests.Collection)]
public sealed class AccountPagesTests(PortalSystem portal)
{
    [Fact]
    public async Task Given_a_new_patient_When_they_register_in_the_browser_Then_they_are_signed_in_with_their_record_started()
    {
        var page = await portal.NewPageAsync();
        var username = Unique("alice");

        await PortalPages.RegisterAsync(page, "Alice Example", username, PhrUser.NewPassword());

        await Assertions.Expect(page.Locator("header .who")).ToContainTextAsync(username);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Given_the_register_form_When_the_password_is_weak_or_the_confirmation_differs_Then_each_field_says_why_and_nothing_is_registered()
    {
        var page = await portal.NewPageAsync();
        await page.GotoAsync("/Account/Register");
        await PortalSystem.ScreenshotAsync(page, "register");
        await page.GetByLabel("Your name").FillAsync("Weak Password");
        await page.GetByLabel("Username").FillAsync(Unique("weak"));
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("short");
        await page.GetByLabel("Confirm the password").FillAsync("other");
        await page.GetByLabel("E-mail").FillAsync("not-an-address");
        await page.GetByRole(AriaRole.Button, new() { Name = "Register" }).ClickAsync();

        var summary = page.Locator("#error-summary");
        await Assertions.Expect(summary).ToContainTextAsync("at least 12 characters");
        await Assertions.Expect(summary).ToContainTextAsync("The two passwords differ.");
        await Assertions.Expect(summary).ToContainTextAsync("e-mail address");
        await Assertions.Expect(page.Locator("span.field-error").Filter(new() { HasText = "The two passwords differ." })).ToBeVisibleAsync();
        (await page.GetByLabel("Password", new() { Exact = true }).InputValueAsync()).ShouldBeEmpty("a rejected password is not sent back into the page");
    }

    [Fact]
    public async Task Given_a_taken_username_When_someone_registers_it_again_Then_the_form_says_it_is_taken()
    {
        var username = Unique("taken");
        await PortalPages.RegisterAsync(await portal.NewPageAsync(), "First Owner", username, PhrUser.NewPassword());
        var page = await portal.NewPageAsync();

        await PortalPages.RegisterAsync(page, "Second Owner", username, PhrUser.NewPassword());

        await Assertions.Expect(page.Locator("#error-summary")).ToContainTextAsync("This username is taken");
    }

    [Fact]
    public async Task Given_a_registered_patient_When_signing_in_with_a_wrong_password_or_an_unknown_name_Then_the_same_message_and_no_session()
    {
        var username = Unique("wrongpw");
        var setup = await portal.NewPageAsync();
        await PortalPages.RegisterAsync(setup, "Wrong Password", username, PhrUser.NewPassword());
        var page = await portal.NewPageAsync();

        await PortalPages.SignInAsync(page, username, "Not-the-password-42");
        await Assertions.Expect(page.Locator("#error-summary")).ToContainTextAsync("Unknown username or wrong password");
        await PortalSystem.ScreenshotAsync(page, "sign-in-refused");
        await PortalPages.SignInAsync(page, Unique("nobody"), "Not-the-password-42");
        await Assertions.Expect(page.Locator("#error-summary")).ToContainTextAsync("Unknown username or wrong password");

        (await page.Context.CookiesAsync()).ShouldNotContain(c => c.Name == "sesphr.portal");
    }

    [Fact]
    public async Task Given_a_signed_in_patient_When_they_sign_out_Then_the_old_cookie_no_longer_signs_anyone_in()
    {
        var page = await portal.NewPageAsync();
        var username = Unique("signout");
        var password = PhrUser.NewPassword();
        await PortalPages.RegisterAsync(page, "Sign Out", username, password);
        await Assertions.Expect(page.Locator("header .who")).ToContainTextAsync(username);
        var stolen = (await page.Context.CookiesAsync()).Where(c => c.Name == "sesphr.portal").ToList();
        stolen.ShouldNotBeEmpty();

        await PortalPages.SignOutAsync(page);
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("You are signed out");

        var replay = await portal.NewPageAsync();
        await replay.Context.AddCookiesAsync(stolen.Select(c => new Microsoft.Playwright.Cookie { Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path, Secure = c.Secure, HttpOnly = c.HttpOnly }));
        await replay.GotoAsync("/");
        await Assertions.Expect(replay.Locator("header")).Not.ToContainTextAsync(username);
        await Assertions.Expect(replay.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToHaveCountAsync(0);
        await replay.GotoAsync("/Session");
        await Assertions.Expect(replay).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/Account/SignIn"));
        await Assertions.Expect(replay.Locator("main")).Not.ToContainTextAsync(username);
    }

    [Fact]
    public async Task Given_an_enrolled_first_admin_When_someone_enrols_again_with_a_used_or_made_up_code_Then_the_page_refuses_it_and_nobody_is_signed_in()
    {
        var page = await portal.NewPageAsync();
        await page.GotoAsync("/Account/Enrol");
        await PortalSystem.ScreenshotAsync(page, "enrol");
        var password = PhrUser.NewPassword();
        await page.GetByLabel("One-time enrolment code").FillAsync("not-the-code-" + Guid.NewGuid().ToString("N"));
        await page.GetByLabel("Admin username").FillAsync(Unique("admin"));
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.GetByLabel("Confirm the password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Enrol" }).ClickAsync();

        await Assertions.Expect(page.Locator("#error-summary")).ToContainTextAsync("The code is wrong or was already used.");
        (await page.Context.CookiesAsync()).ShouldNotContain(c => c.Name == "sesphr.portal");
    }

    [Fact]
    public async Task Given_a_sign_in_form_When_posted_with_a_forged_antiforgery_token_Then_it_is_refused_with_400()
    {
        var page = await portal.NewPageAsync();
        await page.GotoAsync("/Account/SignIn");
        var token = await page.Locator("input[name='__RequestVerificationToken']").InputValueAsync();
        var forged = token[..^4] + (token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");

        var answer = await page.APIRequest.PostAsync("/Account/SignIn", new()
        {
            Form = page.APIRequest.CreateFormData().Set("Form.Username", "someone").Set("Form.Password", "whatever").Set("__RequestVerificationToken", forged),
            MaxRedirects = 0,
        });
        var missing = await page.APIRequest.PostAsync("/Account/SignIn", new()
        {
            Form = page.APIRequest.CreateFormData().Set("Form.Username", "someone").Set("Form.Password", "whatever"),
            MaxRedirects = 0,
        });

        answer.Status.ShouldBe((int)HttpStatusCode.BadRequest);
        missing.Status.ShouldBe((int)HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Given_any_portal_page_Then_cookies_are_Secure_and_SameSite_Strict_HttpOnly_but_the_time_zone_and_a_content_security_policy_is_sent()
    {
        var page = await portal.NewPageAsync();
        var response = await page.GotoAsync("/Account/SignIn");

        var headers = await response!.AllHeadersAsync();
        headers["content-security-policy"].ShouldContain("default-src 'none'");
        headers["content-security-policy"].ShouldContain("frame-ancestors 'none'");
        headers["x-content-type-options"].ShouldBe("nosniff");
        var cookies = await page.Context.CookiesAsync();
        cookies.ShouldNotBeEmpty();
        cookies.ShouldAllBe(c => c.Secure && c.SameSite == SameSiteAttribute.Strict);
        // The browser's own script writes the time zone's name, which is no secret; every other cookie is out of scripts' reach.
        cookies.Where(c => c.Name != "sesphr.tz").ShouldAllBe(c => c.HttpOnly);
        cookies.ShouldContain(c => c.Name == "sesphr.tz");
    }

    private static string Unique(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];
}

