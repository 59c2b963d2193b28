using System.Net;

namespace SeSPHR.Cli.Gateway;

/// <summary>
/// Where the gateway listens. It serves decrypted records to whoever holds its token, so it
/// binds to a loopback address unless the user says otherwise in so many words.
/// </summary>
internal sealed record GatewaySettings(Uri Listen, bool AllowRemote = false, string? TokenFile = null)
{
    public static readonly Uri DefaultListen = new("http://127.0.0.1:8090/fhir");

    /// <summary>The FHIR base the gateway answers under, e.g. <c>/fhir</c> (no trailing slash).</summary>
    public string BasePath => Listen.AbsolutePath.TrimEnd('/');

    /// <summary>The address and port Kestrel binds to.</summary>
    /// <exception cref="GatewaySettingsException">not http, no IP address, or not loopback without <see cref="AllowRemote"/>.</exception>
    public IPEndPoint Bind()
    {
        if (Listen.Scheme != Uri.UriSchemeHttp)
        {
            throw new GatewaySettingsException($"The gateway listens on http only (it is meant for this machine): {Listen}.");
        }

        var host = Listen.Host == "localhost" ? IPAddress.Loopback.ToString() : Listen.Host.Trim('[', ']');
        if (!IPAddress.TryParse(host, out var address))
        {
            throw new GatewaySettingsException($"Give the address to listen on as an IP address, e.g. {DefaultListen}.");
        }

        if (!IPAddress.IsLoopback(address) && !AllowRemote)
        {
            throw new GatewaySettingsException(
                $"{address} is not a loopback address: other machines could reach the decrypted record. Pass --allow-remote to bind to it anyway.");
        }

        return new IPEndPoint(address, Listen.Port);
    }
}

/// <summary>The gateway's settings cannot be used as given; the message says what to change.</summary>
internal sealed class GatewaySettingsException(string message) : Exception(message);
