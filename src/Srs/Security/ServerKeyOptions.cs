using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using OpenIddict.Validation;
using SeSPHR.Srs.Storage;

namespace SeSPHR.Srs.Security;

/// <summary>
/// The server keys this process uses, opened: the token signing keys (the one that signs now
/// first) and the token encryption key. Loaded at start and again at every rotation check; when the
/// set or the signer changed, OpenIddict's options are dropped so the next request builds them with
/// the new keys.
/// </summary>
public sealed class ServerKeyRing(IServiceScopeFactory scopes, SchemaGate schema)
{
    private volatile Snapshot? _current;

    public sealed record Snapshot(IReadOnlyList<OpenServerKey> Signing, OpenServerKey Encryption)
    {
        /// <summary>What OpenIddict's options were built from: the key ids in order (the signer first).</summary>
        public string Identity => string.Join(',', Signing.Select(k => k.KeyId).Append(Encryption.KeyId));
    }

    /// <summary>The keys last loaded; loads them when none were (a token request before the start-up work finished).</summary>
    public Snapshot Current => _current ?? Task.Run(() => ReloadAsync(CancellationToken.None)).GetAwaiter().GetResult();

    /// <summary>Seals plaintext keys of older builds, makes or retires signing keys as due, and loads the keys; returns them.</summary>
    public async Task<Snapshot> ReloadAsync(CancellationToken cancellationToken)
    {
        await schema.EnsureAsync(cancellationToken);
        await using var scope = scopes.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<ServerKeyStore>();
        await store.SealPlaintextKeysAsync(cancellationToken);
        var signing = await store.RotateSigningKeysAsync(cancellationToken);
        var encryption = await store.GetAsync(ServerKeyPurposes.TokenEncryption, cancellationToken);
        await store.GetAsync(ServerKeyPurposes.KdfFakes, cancellationToken);
        var loaded = new Snapshot(signing, encryption);
        _current = loaded;
        return loaded;
    }
}

/// <summary>
/// Hands OpenIddict the persisted signing and encryption keys whenever its options are built: the
/// signer first (OpenIddict signs with the first credential and leaves keys without certificates in
/// the order given), every other published key after it for the JWKS and for validating what it signed.
/// </summary>
internal sealed class ServerKeyOptions(ServerKeyRing ring) : IConfigureOptions<OpenIddictServerOptions>
{
    private volatile string? _builtFrom;

    /// <summary>
    /// Whether OpenIddict's options hold keys. Until then a failed read (database down, pool
    /// exhausted) leaves OpenIddict's options cache holding the exception, so
    /// <see cref="ForgetFailedOptions"/> must drop it for the next request to try again.
    /// </summary>
    public bool Loaded => _builtFrom is not null;

    /// <summary>The key set OpenIddict's options were last built from.</summary>
    public string? BuiltFrom => _builtFrom;

    /// <summary>Drops OpenIddict's cached server and validation options while the keys were never read, so a database outage at the first token request does not outlive the outage.</summary>
    public static void ForgetFailedOptions(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.GetRequiredService<ServerKeyOptions>().Loaded)
            return;
        Forget(services);
    }

    /// <summary>Drops OpenIddict's cached server and validation options: the next request builds them from the current keys.</summary>
    public static void Forget(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.GetRequiredService<IOptionsMonitorCache<OpenIddictServerOptions>>().TryRemove(Options.DefaultName);
        services.GetRequiredService<IOptionsMonitorCache<OpenIddictValidationOptions>>().TryRemove(Options.DefaultName);
    }

    public void Configure(OpenIddictServerOptions options)
    {
        var keys = ring.Current;
        foreach (var signing in keys.Signing)
        {
            var ecdsa = ECDsa.Create();
            ecdsa.ImportPkcs8PrivateKey(signing.Material, out _);
            options.SigningCredentials.Add(new SigningCredentials(
                new ECDsaSecurityKey(ecdsa) { KeyId = signing.KeyId }, SecurityAlgorithms.EcdsaSha256));
        }

        options.EncryptionCredentials.Add(new EncryptingCredentials(
            new SymmetricSecurityKey(keys.Encryption.Material) { KeyId = keys.Encryption.KeyId },
            SecurityAlgorithms.Aes256KW,
            SecurityAlgorithms.Aes256CbcHmacSha512));
        _builtFrom = keys.Identity;
    }
}

/// <summary>
/// Checks every <see cref="SigningKeySettings.CheckInterval"/> whether a signing key is due (a
/// successor to publish, a signer to switch to, a retired key to drop), in every SRS process, and
/// rebuilds OpenIddict's options when this process's keys changed. A failed check (database down)
/// keeps the keys in use and tries again at the next interval.
/// </summary>
internal sealed partial class ServerKeyRotation(
    ServerKeyRing ring, ServerKeyOptions built, IServiceProvider services, IOptions<SigningKeySettings> settings, ILogger<ServerKeyRotation> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.Value.CheckInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var keys = await ring.ReloadAsync(stoppingToken);
                // Also while no options were built from keys yet: a failed first build may sit in the cache.
                if (built.BuiltFrom != keys.Identity)
                {
                    ServerKeyOptions.Forget(services);
                    if (built.BuiltFrom is not null)
                        LogKeysChanged(logger, keys.Signing[0].KeyId, keys.Signing.Count);
                }
            }
            catch (Exception failure) when (failure is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogCheckFailed(logger, failure.GetType().Name);
            }
        }
    }

    [LoggerMessage(EventId = 3310, Level = LogLevel.Information, Message = "Token signing keys changed: {KeyId} signs, {Count} published")]
    private static partial void LogKeysChanged(ILogger logger, string keyId, int count);

    [LoggerMessage(EventId = 3311, Level = LogLevel.Warning, Message = "Server key check failed ({Failure}); the keys in use stay until the next check")]
    private static partial void LogCheckFailed(ILogger logger, string failure);
}
