using Microsoft.Playwright;

namespace SeSPHR.SystemTests.Portal;

/// <summary>The steps a person takes in the portal, as the browser takes them: by label and button text.</summary>
public static class PortalPages
{
    public static async Task RegisterAsync(IPage page, string ownerName, string username, string password, string role = "patient")
    {
        await page.GotoAsync("/Account/Register");
        await page.GetByLabel("Your name").FillAsync(ownerName);
        await page.GetByLabel("Username").FillAsync(username);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.GetByLabel("Confirm the password").FillAsync(password);
        await page.GetByLabel("E-mail").FillAsync(username + "@example.org");
        await page.GetByLabel("Contact number").FillAsync("+1 555 0100");
        await page.Locator($"input[name='Form.Role'][value='{role}']").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Register" }).ClickAsync();
    }

    public static async Task SignInAsync(IPage page, string username, string password)
    {
        await page.GotoAsync("/Account/SignIn");
        await page.GetByLabel("Username").FillAsync(username);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    public static async Task SignOutAsync(IPage page) =>
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();

    /// <summary>Fills the vitals form (on <c>/Vitals</c> unless <paramref name="open"/> is false: the page already shown) and adds the measurements.</summary>
    public static async Task AddVitalsAsync(IPage page, string? pulse = null, string? temperature = null, string? systolic = null, string? diastolic = null,
        string? weight = null, string? measuredAt = null, bool open = true)
    {
        if (open)
        {
            await page.GotoAsync("/Vitals");
        }

        foreach (var (label, value) in new[]
        {
            ("Pulse (beats/minute)", pulse), ("Body temperature (°C)", temperature), ("Systolic blood pressure (mmHg)", systolic),
            ("Diastolic blood pressure (mmHg)", diastolic), ("Body weight (kg)", weight), ("Measured at (UTC)", measuredAt),
        })
        {
            if (value is not null)
            {
                await page.GetByLabel(label).FillAsync(value);
            }
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Add measurements" }).ClickAsync();
    }
}
