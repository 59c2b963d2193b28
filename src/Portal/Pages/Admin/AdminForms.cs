using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.RegularExpressions;
using FluentValidation;
using SeSPHR.Contracts.Accounts;

namespace SeSPHR.Portal.Pages.Admin;

/// <summary>An EHR's or insurer's backend to register for SMART Backend Services (API.md, <c>POST /api/clients</c>).</summary>
public sealed class SystemClientForm
{
    [Display(Name = "Client id")]
    public string ClientId { get; set; } = "";

    [Display(Name = "Public keys (JWKS)")]
    public string Jwks { get; set; } = "";

    [Display(Name = "Service account it acts for (username)")]
    public string ServiceAccount { get; set; } = "";

    [Display(Name = "System scopes")]
    public string Scopes { get; set; } = "system/*.rs";

    public string[] ScopeList => Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

internal sealed partial class SystemClientFormValidator : AbstractValidator<SystemClientForm>
{
    public SystemClientFormValidator()
    {
        RuleFor(f => f.ClientId).NotEmpty().WithMessage("Enter the client id the system signs its assertions with.")
            .Matches(ClientIdShape()).WithMessage("Use 3 to 100 characters: letters, digits, '.', '_', ':' or '-'.");
        RuleFor(f => f.Jwks).NotEmpty().WithMessage("Paste the system's public keys as a JWKS ({\"keys\": [...]}).")
            .Must(IsKeySet).WithMessage("This is not a JWKS: paste a JSON object with a \"keys\" array of public keys.")
            .Must(HoldsNoPrivatePart).WithMessage("This JWKS holds a private key: paste the public keys only, and keep the private key with the system.");
        RuleFor(f => f.ServiceAccount).NotEmpty().WithMessage("Enter the username of the account the system acts for.")
            .Must(UsernameRule.IsUsername).WithMessage("That is not a username: usernames are " + UsernameRule.Description + ".");
        RuleFor(f => f.Scopes).NotEmpty().WithMessage("Enter at least one system scope, e.g. system/*.rs.")
            .Must(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries).All(SystemScopeShape().IsMatch))
            .WithMessage("Use SMART system scopes separated by spaces, e.g. system/*.rs or system/Observation.rs.");
    }

    private static bool IsKeySet(string jwks)
    {
        try
        {
            using var document = JsonDocument.Parse(jwks);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("keys", out var keys) && keys.ValueKind == JsonValueKind.Array && keys.GetArrayLength() > 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    // A private EC or RSA key carries "d" (RSA also p, q, dp, dq, qi); it must never leave the system.
    private static bool HoldsNoPrivatePart(string jwks)
    {
        try
        {
            using var document = JsonDocument.Parse(jwks);
            return !document.RootElement.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array
                || keys.EnumerateArray().All(key => key.ValueKind != JsonValueKind.Object || !key.TryGetProperty("d", out _));
        }
        catch (JsonException)
        {
            return true;
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9._:\-]{3,100}$")]
    private static partial Regex ClientIdShape();

    [GeneratedRegex(@"^system/(\*|[A-Z][A-Za-z]+)\.(c?r?u?d?s?|read|write|\*)$")]
    private static partial Regex SystemScopeShape();
}
