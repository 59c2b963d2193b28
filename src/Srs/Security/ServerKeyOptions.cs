using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using SeSPHR.Srs.Storage;

namespace SeSPHR.Srs.Security;

/// <summary>
/// Hands OpenIddict the persisted signing and encryption keys when its options are first built,
/// so the JWKS and the tokens already issued stay valid across restarts.
/// </summary>
internal sealed class ServerKeyOptions(IServiceScopeFactory scopes, SchemaGate schema) : IConfigureOptions<OpenIddictServerOptions>
{
    private volatile bool _loaded;

    /// <summary>
    /// Whether the keys were read once. Until then a failed read (database down, pool exhausted)
    /// leaves OpenIddict's options cache holding the exception, so <see cref="ForgetFailedOptions"/>
    /// must drop it for the next request to try again.
    /// </summary>
    public bool Loaded => _loaded;

    /// <summary>Drops OpenIddict's cached server and validation options while the keys were never read, so a database outage at the first token request does not outlive the outage.</summary>
    public static void ForgetFailedOptions(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.GetRequiredService<ServerKeyOptions>().Loaded)
            return;
        services.GetRequiredService<IOptionsMonitorCache<OpenIddictServerOptions>>().TryRemove(Options.DefaultName);
        services.GetRequiredService<IOptionsMonitorCache<OpenIddict.Validation.OpenIddictValidationOptions>>().TryRemove(Options.DefaultName);
    }

    public void Configure(OpenIddictServerOptions options)
    {
        // Options are built synchronously; this runs once per process (again only after a failed read).
        var (signing, encryption) = Task.Run(LoadAsync).GetAwaiter().GetResult();
        _loaded = true;

        var ecdsa = ECDsa.Create();
        ecdsa.ImportPkcs8PrivateKey(signing.Material, out _);
        options.SigningCredentials.Add(new SigningCredentials(
            new ECDsaSecurityKey(ecdsa) { KeyId = signing.KeyId }, SecurityAlgorithms.EcdsaSha256));

        options.EncryptionCredentials.Add(new EncryptingCredentials(
            new SymmetricSecurityKey(encryption.Material) { KeyId = encryption.KeyId },
            SecurityAlgorithms.Aes256KW,
            SecurityAlgorithms.Aes256CbcHmacSha512));
    }

    private async Task<(ServerKey Signing, ServerKey Encryption)> LoadAsync()
    {
        await schema.EnsureAsync(CancellationToken.None);
        await using var scope = scopes.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<ServerKeyStore>();
        return (await store.GetAsync(ServerKeyPurposes.TokenSigning, CancellationToken.None),
                await store.GetAsync(ServerKeyPurposes.TokenEncryption, CancellationToken.None));
    }
}
