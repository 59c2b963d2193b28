using System.Net;
using Microsoft.Extensions.Options;

namespace SeSPHR.FhirServer.Features.Access.Srs;

public static class SrsServiceCollectionExtensions
{
    /// <summary>
    /// The FhirServer's client of the SRS (<c>Fhir:Srs</c>): re-encryption and grant reconciliation
    /// over HTTP, with the service token cached. Without <c>Fhir:Srs:BaseUrl</c> both fail as
    /// unavailable, so protected reads and Consent changes answer 503 rather than proceed unchecked.
    /// </summary>
    public static IServiceCollection AddSrsIntegration(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<SrsOptions>(configuration.GetSection(SrsOptions.Section));
        services.AddHttpClient(SrsConnection.HttpClientName, (provider, client) =>
            {
                var options = provider.GetRequiredService<IOptions<SrsOptions>>().Value;
                client.BaseAddress = options.BaseUrl;
                client.Timeout = options.Timeout;
            })
            .ConfigurePrimaryHttpMessageHandler(provider => new SocketsHttpHandler
            {
                ConnectTimeout = provider.GetRequiredService<IOptions<SrsOptions>>().Value.ConnectTimeout,
                // The SRS is a service of ours: no proxy, no cookies, no redirects to follow.
                UseProxy = false,
                UseCookies = false,
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
            })
            // SrsConnection logs what goes wrong, without what was sent; the factory's per-request
            // logging handlers cost every protected read two log scopes and four log calls.
            .RemoveAllLoggers();
        services.AddSingleton<SrsConnection>();
        services.AddSingleton<HttpReencryptionGateway>();
        services.AddSingleton<IReencryptionGateway, CoalescingReencryptionGateway>();
        services.AddSingleton<IssuedCfrags>();
        services.AddSingleton<IGrantReconciler, HttpGrantReconciler>();
        services.AddSingleton<WithdrawnAccounts>();
        services.AddHostedService(provider => provider.GetRequiredService<WithdrawnAccounts>());
        return services;
    }
}
