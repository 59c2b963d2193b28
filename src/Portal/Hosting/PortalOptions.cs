using SeSPHR.Client.Accounts;

namespace SeSPHR.Portal.Hosting;

/// <summary>The <c>Portal</c> configuration section.</summary>
public sealed class PortalOptions
{
    public const string Section = "Portal";

    /// <summary>The SRS the portal signs people in at.</summary>
    public Uri SrsUrl { get; set; } = new("http://127.0.0.1:8081");

    /// <summary>The FhirServer's FHIR base.</summary>
    public Uri FhirUrl { get; set; } = new("http://127.0.0.1:8080/fhir");

    /// <summary>A session without a request for this long ends and its keys are zeroed.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>A session ends this long after sign-in, however busy.</summary>
    public TimeSpan AbsoluteTimeout { get; set; } = TimeSpan.FromHours(8);

    /// <summary>
    /// Cookies carry <c>Secure</c>. Browsers accept secure cookies from <c>http://127.0.0.1</c> and
    /// <c>localhost</c>; only a deployment behind plain HTTP elsewhere (never for real data) turns this off.
    /// </summary>
    public bool RequireHttpsCookies { get; set; } = true;

    /// <summary>Sign-in and registration attempts per client address per minute, before the SRS's own limits.</summary>
    public int SignInPermitsPerMinute { get; set; } = 10;

    /// <summary>
    /// The portal's own folder: the patients' grant journals (epochs and operations in flight, no
    /// secrets), so a grant interrupted by a failure is completed at the patient's next visit.
    /// </summary>
    public string DataDirectory { get; set; } = Path.Combine(AppContext.BaseDirectory, "portal-data");

    public SystemEndpoints Endpoints => new(SrsUrl, new Uri(FhirUrl.ToString().TrimEnd('/') + "/"));
}
