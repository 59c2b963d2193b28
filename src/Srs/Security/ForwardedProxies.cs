using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace SeSPHR.Srs.Security;

/// <summary>
/// <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> are believed only from the reverse proxies
/// the operator names in <c>Srs:KnownProxies</c> (addresses) and <c>Srs:KnownNetworks</c> (CIDR
/// ranges); from anyone else, loopback included, they are ignored, or any client could pick the
/// address its rate limits are counted under. Behind a named proxy the per-address limits then see
/// the client's address, and the issuer URL (when <c>Srs:Issuer</c> is unset) the client's scheme.
/// </summary>
public static class ForwardedProxies
{
    public static IServiceCollection AddForwardedProxies(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var proxies = Read(configuration, "Srs:KnownProxies", (string text, out IPAddress? address) => IPAddress.TryParse(text, out address));
        var networks = Read(configuration, "Srs:KnownNetworks", (string text, out System.Net.IPNetwork network) => System.Net.IPNetwork.TryParse(text, out network));
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // ASP.NET trusts loopback by default; here only what is configured is trusted.
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var proxy in proxies)
                options.KnownProxies.Add(proxy!);
            foreach (var network in networks)
                options.KnownIPNetworks.Add(network);
        });
        return services;
    }

    private delegate bool Parser<T>(string text, out T value);

    private static List<T> Read<T>(IConfiguration configuration, string key, Parser<T> parse)
    {
        var parsed = new List<T>();
        foreach (var entry in configuration.GetSection(key).GetChildren().Select(c => c.Value).OfType<string>())
        {
            if (!parse(entry.Trim(), out var value))
                throw new InvalidOperationException($"{key} holds \"{entry}\", which is not {(typeof(T) == typeof(IPAddress) ? "an IP address" : "a CIDR range such as 10.0.0.0/8")}.");
            parsed.Add(value);
        }

        return parsed;
    }
}
