namespace SeSPHR.Srs;

/// <summary>The <c>Srs</c> configuration section.</summary>
public sealed class SrsOptions
{
    public const string Section = "Srs";

    /// <summary>Base URL of the FhirServer; a token's <c>fhirUser</c> is this joined with the relative reference.</summary>
    public string FhirBaseUrl { get; set; } = "http://127.0.0.1:8080";

    /// <summary>Where the SRS writes files meant for its operator (the enrolment code).</summary>
    public string DataDirectory { get; set; } = "srs-data";

    /// <summary>Client secret of the FhirServer's service client <c>sesphr-fhir</c>; without it that client is not created.</summary>
    public string? FhirServiceSecret { get; set; }

    /// <summary>Redirect URIs of the first-party public client <c>sesphr-app</c>.</summary>
    public IList<string> AppRedirectUris { get; } = [];

    /// <summary>The issuer URL tokens carry; when unset, the URL the request came in on.</summary>
    public Uri? Issuer { get; set; }

    /// <summary>The absolute <c>fhirUser</c> URL of a relative reference such as <c>Patient/p1</c>.</summary>
    public string AbsoluteFhirUser(string relative) => $"{FhirBaseUrl.TrimEnd('/')}/{relative}";
}

public static class SrsOptionsSetup
{
    public static IServiceCollection AddSrsOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SrsOptions>()
            .Bind(configuration.GetSection(SrsOptions.Section))
            .PostConfigure(options =>
            {
                if (options.AppRedirectUris.Count == 0)
                    options.AppRedirectUris.Add("http://127.0.0.1/callback");
            });
        return services;
    }
}
