using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using SeSPHR.Srs.Security;
using SeSPHR.Srs.Storage;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace SeSPHR.Srs.Features.OAuth;

/// <summary>
/// <c>POST /api/clients</c> (admin): a SMART Backend Services client of an EHR or insurer. It
/// authenticates only with a JWT signed by a key of its public JWKS (no secret exists), acts for
/// one active service account whose role and fhirUser go into its tokens, and may ask only for
/// the system scopes registered here.
/// </summary>
public static partial class ClientRegistration
{
    private static readonly string[] Reserved = ["sesphr-app", SrsAuthorization.FhirServiceClientId];

    public static async Task<Results<Created<ClientRegistrationResponse>, ProblemHttpResult>> RegisterAsync(
        ClientRegistrationRequest request, SrsDbContext db, IOpenIddictApplicationManager applications, CancellationToken cancellationToken)
    {
        if (request.ClientId is null || !ClientIdShape().IsMatch(request.ClientId))
            return Problems.Of(StatusCodes.Status400BadRequest, "clientId must be 3 to 64 characters: letters, digits, '.', '_' or '-'.");
        if (Reserved.Contains(request.ClientId, StringComparer.Ordinal))
            return Problems.Of(StatusCodes.Status409Conflict, "clientId is reserved.");
        if (ParseJwks(request.Jwks) is not { } jwks)
            return Problems.Of(StatusCodes.Status400BadRequest,
                "jwks must be a JSON Web Key Set of 1 to 5 public EC (P-256, P-384) or RSA (2048 bits or more) keys, each with its own kid, without private parts.");
        if (request.Scopes is not { Length: > 0 } scopes || scopes.Any(s => SmartScopes.ParseResource(s) is not { Context: "system" }))
            return Problems.Of(StatusCodes.Status400BadRequest, "scopes must be one or more SMART system scopes such as system/*.rs.");
        if (request.UserId is not { } userId ||
            await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == userId, cancellationToken) is not { } account)
            return Problems.Of(StatusCodes.Status400BadRequest, "userId must name an existing account.");
        if (account is not { IsActive: true } || account.Role is SrsRoles.Patient or SrsRoles.Admin)
            return Problems.Of(StatusCodes.Status400BadRequest, "userId must name an active account that is not a patient or an admin.");
        if (await applications.FindByClientIdAsync(request.ClientId, cancellationToken) is not null)
            return Problems.Of(StatusCodes.Status409Conflict, "clientId is already registered.");

        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = request.ClientId,
            ClientType = ClientTypes.Confidential,
            DisplayName = request.ClientId,
            JsonWebKeySet = jwks,
        };
        descriptor.Permissions.Add(Permissions.Endpoints.Token);
        descriptor.Permissions.Add(Permissions.GrantTypes.ClientCredentials);
        foreach (var scope in scopes.Distinct(StringComparer.Ordinal))
            descriptor.Permissions.Add(Permissions.Prefixes.Scope + scope);
        descriptor.Properties[TokenEndpoint.ServiceUserProperty] = JsonSerializer.SerializeToElement(userId.ToString());
        await applications.CreateAsync(descriptor, cancellationToken);

        return TypedResults.Created($"/api/clients/{request.ClientId}",
            new ClientRegistrationResponse(request.ClientId, userId, scopes.Distinct(StringComparer.Ordinal).ToArray()));
    }

    private static JsonWebKeySet? ParseJwks(JsonElement? json)
    {
        if (json is not { ValueKind: JsonValueKind.Object } element)
            return null;
        JsonWebKeySet set;
        try
        {
            set = new JsonWebKeySet(element.GetRawText());
        }
        catch (ArgumentException)
        {
            return null;
        }

        // Every key needs its own kid: an assertion is checked only against the key its kid names.
        var acceptable = set.Keys.Count is >= 1 and <= 5 &&
            set.Keys.Select(key => key.Kid).Distinct(StringComparer.Ordinal).Count() == set.Keys.Count &&
            set.Keys.All(key =>
                !string.IsNullOrEmpty(key.Kid) && key.Kid.Length <= 128 &&
                !key.HasPrivateKey && string.IsNullOrEmpty(key.K) &&
                ((key.Kty == JsonWebAlgorithmsKeyTypes.RSA && RsaModulusBits(key) >= 2048) ||
                 (key.Kty == JsonWebAlgorithmsKeyTypes.EllipticCurve && key.Crv is "P-256" or "P-384")));
        return acceptable ? set : null;
    }

    private static int RsaModulusBits(JsonWebKey key)
    {
        try
        {
            return string.IsNullOrEmpty(key.N) ? 0 : Base64UrlEncoder.DecodeBytes(key.N).SkipWhile(b => b == 0).Count() * 8;
        }
        catch (Exception bad) when (bad is FormatException or ArgumentException)
        {
            return 0;
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{3,64}$")]
    private static partial Regex ClientIdShape();
}
