using System.CommandLine;
using SeSPHR.Cli.Commands;
using SeSPHR.Client.Accounts;

namespace SeSPHR.Cli.Profile;

/// <summary>
/// Where a new sign-in goes: <c>--srs</c> and <c>--fhir</c>, else <c>SESPHR_SRS_URL</c> and
/// <c>SESPHR_FHIR_URL</c> (the names <c>./sesphr up</c> uses), else the embedded default on loopback.
/// Later commands take them from the profile.
/// </summary>
internal static class Servers
{
    public static Option<string> SrsOption() => new("--srs")
    {
        Description = "The SRS's base URL (default: $SESPHR_SRS_URL or http://127.0.0.1:8081).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SESPHR_SRS_URL") is { Length: > 0 } url ? url : "http://127.0.0.1:8081",
    };

    public static Option<string> FhirOption() => new("--fhir")
    {
        Description = "The FhirServer's URL, with or without /fhir (default: $SESPHR_FHIR_URL or http://127.0.0.1:8080).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SESPHR_FHIR_URL") is { Length: > 0 } url ? url : "http://127.0.0.1:8080",
    };

    /// <summary>The SRS root and the FHIR base ending in <c>/fhir/</c>, as the SDK wants them.</summary>
    public static SystemEndpoints Endpoints(string srs, string fhir)
    {
        var fhirBase = Http(fhir, "--fhir").ToString().TrimEnd('/');
        if (!fhirBase.EndsWith("/fhir", StringComparison.Ordinal))
        {
            fhirBase += "/fhir";
        }

        return new SystemEndpoints(new Uri(Http(srs, "--srs").ToString().TrimEnd('/') + "/"), new Uri(fhirBase + "/"));
    }

    private static Uri Http(string typed, string option) =>
        Uri.TryCreate(typed, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new CliException(ExitCodes.Usage, $"{option} takes an http or https URL, e.g. http://127.0.0.1:8081.");
}
