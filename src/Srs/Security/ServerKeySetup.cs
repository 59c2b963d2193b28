using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenIddict.Server;
using SeSPHR.Srs.Storage;

namespace SeSPHR.Srs.Security;

public static class ServerKeySetup
{
    /// <summary>
    /// The SRS's own keys, all kept in its database and sealed under the key-encryption key from
    /// configuration: OpenIddict's signing and encryption keys (rotated on a schedule), the KDF-fake
    /// secret, and the data-protection key ring behind the login cookie, which every SRS process on
    /// the same database shares. Refuses to go on without a well-formed <c>Srs:KeyEncryptionKey</c>.
    /// </summary>
    public static IServiceCollection AddServerKeys(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(KeyEncryptionKey.FromConfiguration(configuration));
        services.AddOptions<SigningKeySettings>()
            .Bind(configuration.GetSection(SigningKeySettings.Section))
            .Validate(s => s.Lifetime > s.Prepublish && s.Prepublish > s.CheckInterval && s.CheckInterval > TimeSpan.Zero,
                $"{SigningKeySettings.Section}: Lifetime must exceed Prepublish, and Prepublish must exceed CheckInterval (> 0).")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddScoped<ServerKeyStore>();
        services.AddSingleton<ServerKeyRing>();
        services.AddSingleton<ServerKeyOptions>();
        services.AddSingleton<IConfigureOptions<OpenIddictServerOptions>>(provider => provider.GetRequiredService<ServerKeyOptions>());
        services.AddHostedService<ServerKeyRotation>();

        services.AddDataProtection()
            .SetApplicationName("sesphr-srs")
            .PersistKeysToDbContext<SrsDbContext>();
        services.AddOptions<KeyManagementOptions>()
            .Configure<KeyEncryptionKey>((options, kek) => options.XmlEncryptor = new SealedXmlEncryptor(kek));
        return services;
    }
}
