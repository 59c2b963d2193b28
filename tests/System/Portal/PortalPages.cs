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

    /// <summary>Fills every field of the "create the health record" form (gender by its code, the birth date as yyyy-MM-dd).</summary>
    public static async Task FillRecordAsync(IPage page, RecordFields fields)
    {
        await page.GetByLabel("Patient name").FillAsync(fields.Name);
        await page.GetByLabel("E-mail").FillAsync(fields.Email);
        await page.GetByLabel("Gender").SelectOptionAsync(fields.Gender);
        await page.GetByLabel("Home address").FillAsync(fields.HomeAddress);
        await page.GetByLabel("City").FillAsync(fields.City);
        await page.GetByLabel("State").FillAsync(fields.State);
        await page.GetByLabel("Zip").FillAsync(fields.Zip);
        await page.GetByLabel("Contact number").FillAsync(fields.ContactNumber);
        await page.GetByLabel("Date of birth").FillAsync(fields.DateOfBirth);
    }
}

/// <summary>What a patient types into the record form.</summary>
public sealed record RecordFields(string Name, string Email, string Gender, string HomeAddress, string City, string State, string Zip, string ContactNumber, string DateOfBirth);
