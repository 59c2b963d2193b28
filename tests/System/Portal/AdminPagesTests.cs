using System.Security.Cryptography;
using Microsoft.Playwright;
using SeSPHR.Client.Accounts;

namespace SeSPHR.SystemTests.Portal;

/// <summary>The admin's accounts page in a real browser: approvals, suspensions and system clients, checked by signing in as those accounts.</summary>
[Collection(PortalTests.Collection)]
public sealed class AdminPagesTests(PortalSystem portal)
{
    [Fact]
    public async Task Given_a_doctor_waiting_for_approval_When_the_admin_approves_them_Then_the_doctor_can_sign_in()
    {
        var username = Unique("doctor");
        var password = PhrUser.NewPassword();
        var doctorPage = await portal.NewPageAsync();
        await PortalPages.RegisterAsync(doctorPage, "Gregory House", username, password, "practitioner");
        await Assertions.Expect(doctorPage.Locator("main")).ToContainTextAsync("waits for an admin's approval");
        await PortalPages.SignInAsync(doctorPage, username, password);
        await Assertions.Expect(doctorPage.Locator("#error-summary")).ToContainTextAsync("waiting for an admin's approval");

        var admin = await SignInAsAdminAsync();
        var waiting = admin.Locator("tr").Filter(new() { HasText = username });
        await Assertions.Expect(waiting).ToContainTextAsync("practitioner");
        await PortalSystem.ScreenshotAsync(admin, "admin");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Approve " + username }).ClickAsync();

        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync($"{username} is approved");
        await Assertions.Expect(admin.GetByRole(AriaRole.Link, new() { Name = "Suspend " + username })).ToBeVisibleAsync();
        await PortalPages.SignInAsync(doctorPage, username, password);
        await Assertions.Expect(doctorPage.Locator("header .who")).ToContainTextAsync(username);
    }

    [Fact]
    public async Task Given_an_active_doctor_When_the_admin_suspends_them_and_confirms_Then_the_doctor_can_no_longer_sign_in()
    {
        var password = PhrUser.NewPassword();
        using var doctor = await NewApprovedAsync(SrsRoles.Practitioner, password);
        var doctorPage = await portal.NewPageAsync();
        await PortalPages.SignInAsync(doctorPage, doctor.Username, password);
        await Assertions.Expect(doctorPage.Locator("header .who")).ToContainTextAsync(doctor.Username);

        var admin = await SignInAsAdminAsync();
        await admin.GetByRole(AriaRole.Link, new() { Name = "Suspend " + doctor.Username }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "Suspend an account" })).ToBeVisibleAsync();
        await Assertions.Expect(admin.Locator("main")).ToContainTextAsync(doctor.Username);
        await PortalSystem.ScreenshotAsync(admin, "admin-suspend");
        await admin.GetByRole(AriaRole.Link, new() { Name = "No, keep it active" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "Accounts", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Link, new() { Name = "Suspend " + doctor.Username })).ToBeVisibleAsync();

        await admin.GetByRole(AriaRole.Link, new() { Name = "Suspend " + doctor.Username }).ClickAsync();
        await admin.GetByRole(AriaRole.Button, new() { Name = "Yes, suspend " + doctor.Username }).ClickAsync();

        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync($"{doctor.Username} is suspended");
        var again = await portal.NewPageAsync();
        await PortalPages.SignInAsync(again, doctor.Username, password);
        await Assertions.Expect(again.Locator("#error-summary")).ToContainTextAsync("Unknown username or wrong password");
    }

    [Fact]
    public async Task Given_an_insurer_service_account_When_the_admin_registers_its_system_client_Then_the_system_signs_in_with_its_key_and_the_id_is_then_taken()
    {
        using var service = await portal.System.NewMemberAsync("claims", SrsRoles.Insurer);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var clientId = Unique("claims-ehr");
        var admin = await SignInAsAdminAsync();

        await RegisterClientAsync(admin, clientId, SystemAccount.PublicJwks(key, "k1").GetRawText(), service.Username);

        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync($"The system client {clientId} is registered");
        using var system = await SystemAccount.SignInAsync(portal.System.Endpoints, clientId, key, "k1", "system/*.rs");
        (await system.GetAccessTokenAsync()).ShouldNotBeNullOrEmpty();
        await RegisterClientAsync(admin, clientId, SystemAccount.PublicJwks(key, "k2").GetRawText(), service.Username);
        await Assertions.Expect(admin.Locator("#error-summary")).ToContainTextAsync("This client id is taken");
        await RegisterClientAsync(admin, Unique("bad-jwks"), "{\"not\": \"keys\"}", service.Username);
        await Assertions.Expect(admin.Locator("#error-summary")).ToContainTextAsync("This is not a JWKS");
        var withPrivateKey = SystemAccount.PublicJwks(key, "k3").GetRawText().Replace("\"kid\"", "\"d\":\"c2VjcmV0\",\"kid\"", StringComparison.Ordinal);
        await RegisterClientAsync(admin, Unique("leaky"), withPrivateKey, service.Username);
        await Assertions.Expect(admin.Locator("#error-summary")).ToContainTextAsync("This JWKS holds a private key");
    }

    private async Task<IPage> SignInAsAdminAsync()
    {
        var page = await portal.NewPageAsync();
        await PortalPages.SignInAsync(page, portal.System.Admin.Username, portal.System.AdminPassword);
        await page.GotoAsync("/Admin");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Accounts", Level = 1 })).ToBeVisibleAsync();
        return page;
    }

    private static async Task RegisterClientAsync(IPage admin, string clientId, string jwks, string serviceAccount)
    {
        await admin.GetByLabel("Client id").FillAsync(clientId);
        await admin.GetByLabel("Public keys (JWKS)").FillAsync(jwks);
        await admin.GetByLabel("Service account it acts for (username)").FillAsync(serviceAccount);
        await admin.GetByLabel("System scopes").FillAsync("system/*.rs");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Register the client" }).ClickAsync();
    }

    /// <summary>A professional registered with a known password and approved through the SDK.</summary>
    private async Task<PhrUser> NewApprovedAsync(string role, string password)
    {
        var user = PhrUser.Create(portal.System.Endpoints, Unique("doctor"), role, "Practitioner/" + Guid.NewGuid().ToString("N"), password);
        var registered = await user.RegisterAsync();
        var admin = portal.System.Admin;
        await admin.RenewIfExpiringAsync();
        await admin.Srs.ApproveAsync(registered.UserId.ToString(), await admin.GetSrsAccessTokenAsync());
        return user;
    }

    private static string Unique(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];
}
