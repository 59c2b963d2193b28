using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using SeSPHR.Srs.Security;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace SeSPHR.Srs.Features.OAuth;

/// <summary>
/// The two clients every deployment has, brought in line with configuration at each start:
/// <c>sesphr-app</c> (public, authorization code with PKCE, refresh) and, when
/// <c>Srs:FhirServiceSecret</c> is set, the FhirServer's confidential <c>sesphr-fhir</c>
/// (client credentials with that secret, for srs.reencrypt and srs.revoke).
/// </summary>
public sealed partial class ClientSeeder(IOpenIddictApplicationManager applications, IOptions<SrsOptions> options, ILogger<ClientSeeder> logger)
{
    public const string AppClientId = "sesphr-app";

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        var app = new OpenIddictApplicationDescriptor
        {
            ClientId = AppClientId,
            ClientType = ClientTypes.Public,
            DisplayName = "SeSPHR app",
        };
        foreach (var uri in options.Value.AppRedirectUris)
            app.RedirectUris.Add(new Uri(uri, UriKind.Absolute));
        app.Permissions.UnionWith(
        [
            Permissions.Endpoints.Authorization, Permissions.Endpoints.Token,
            Permissions.GrantTypes.AuthorizationCode, Permissions.GrantTypes.RefreshToken,
            Permissions.ResponseTypes.Code,
        ]);
        app.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        await UpsertAsync(app, cancellationToken);

        var existingFhir = await applications.FindByClientIdAsync(SrsAuthorization.FhirServiceClientId, cancellationToken);
        if (string.IsNullOrEmpty(options.Value.FhirServiceSecret))
        {
            if (existingFhir is not null)
                await applications.DeleteAsync(existingFhir, cancellationToken);
            LogNoFhirServiceSecret(logger);
            return;
        }

        var fhir = new OpenIddictApplicationDescriptor
        {
            ClientId = SrsAuthorization.FhirServiceClientId,
            ClientType = ClientTypes.Confidential,
            ClientSecret = options.Value.FhirServiceSecret,
            DisplayName = "SeSPHR FhirServer",
        };
        fhir.Permissions.UnionWith([Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials]);
        await UpsertAsync(fhir, cancellationToken);
    }

    private async Task UpsertAsync(OpenIddictApplicationDescriptor descriptor, CancellationToken cancellationToken)
    {
        if (await applications.FindByClientIdAsync(descriptor.ClientId!, cancellationToken) is { } existing)
            await applications.UpdateAsync(existing, descriptor, cancellationToken);
        else
            await applications.CreateAsync(descriptor, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Srs:FhirServiceSecret is not set: the FhirServer's client sesphr-fhir is not available, so re-encryption and grant reconciliation calls will be refused.")]
    private static partial void LogNoFhirServiceSecret(ILogger logger);
}
