using Microsoft.Playwright;

namespace SeSPHR.SystemTests.Portal;

/// <summary>The steps a person takes in the portal, as the browser takes them: by label and button text.</summary>
public static class PortalPages
{
    public static async Task RegisterAsync(IPage page, string ownerName, string username, string password, string role = "patient") =>
        await RegisterAsync(page, new Registration(ownerName, username, password, username + "@example.org", "+1 555 0100", role));

    public static async Task RegisterAsync(IPage page, Registration registration)
    {
        var (ownerName, username, password, email, contactNumber, role) = registration;
        await page.GotoAsync("/Account/Register");
        await page.GetByLabel("Your name").FillAsync(ownerName);
        await page.GetByLabel("Username").FillAsync(username);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.GetByLabel("Confirm the password").FillAsync(password);
        await page.GetByLabel("E-mail").FillAsync(email);
        await page.GetByLabel("Contact number").FillAsync(contactNumber);
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

    /// <summary>The sharing page's first step for one person: their username, the parts (by their names on the page), read access.</summary>
    public static async Task StartSharingWithAsync(IPage page, string username, params string[] parts)
    {
        await page.GotoAsync("/Sharing");
        await page.GetByLabel("One person, by username").CheckAsync();
        await page.GetByLabel("Their username").FillAsync(username);
        foreach (var part in parts)
        {
            await page.GetByLabel(part, new() { Exact = true }).CheckAsync();
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Share" }).ClickAsync();
    }

    /// <summary>The second step, once the fingerprint is shown: confirm it was compared, and share.</summary>
    public static async Task ConfirmFingerprintAndShareAsync(IPage page)
    {
        await page.GetByLabel("I compared this fingerprint").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Share" }).ClickAsync();
    }

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
            ("Diastolic blood pressure (mmHg)", diastolic), ("Body weight (kg)", weight), ("Measured at", measuredAt),
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

/// <summary>What a person types into the register form.</summary>
public sealed record Registration(string OwnerName, string Username, string Password, string Email, string ContactNumber, string Role = "patient");

/// <summary>What a patient types into the record form.</summary>
public sealed record RecordFields(string Name, string Email, string Gender, string HomeAddress, string City, string State, string Zip, string ContactNumber, string DateOfBirth);
