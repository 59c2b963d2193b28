namespace SeSPHR.FhirServer.Features.Access.Srs;

/// <summary>Where the SRS is and how the FhirServer signs in to it (configuration section <c>Fhir:Srs</c>).</summary>
public sealed class SrsOptions
{
    public const string Section = "Fhir:Srs";

    /// <summary>The SRS's base URL (<c>http://127.0.0.1:8081</c>). Unset: every SRS call fails as unavailable.</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>The FhirServer's confidential client at the SRS (API.md, seeded clients).</summary>
    public string ClientId { get; set; } = "sesphr-fhir";

    /// <summary>The client's secret (<c>Srs:FhirServiceSecret</c> on the SRS side); never logged.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>The token endpoint, relative to <see cref="BaseUrl"/> unless absolute.</summary>
    public string TokenEndpoint { get; set; } = "/connect/token";

    /// <summary>
    /// How long one HTTP call to the SRS may take in all. Short on purpose: a read waits for it,
    /// and an SRS that does not answer must turn into a 503 quickly, not a hung request.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long opening a connection may take (a refused or unroutable SRS fails this fast).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often the list of withdrawn (suspended) accounts is fetched: the longest a suspended
    /// user's unexpired access token keeps working here. Zero or less: never polled, so the list is
    /// never known and no user token is accepted (the gate fails closed).
    /// </summary>
    public TimeSpan WithdrawnPollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the last list fetched stays in force while polls fail. Past it the FhirServer
    /// cannot tell a suspended user's token from an active one, so it refuses user tokens (503)
    /// and reports unhealthy until a poll succeeds again. Bounds how late a suspension made during
    /// an SRS outage takes effect here.
    /// </summary>
    public TimeSpan WithdrawnMaxStaleness { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How many cfrags already issued the FhirServer keeps to replay (<see cref="IssuedCfrags"/>):
    /// a grantee reading a capsule again, under the same Consents, gets the SRS's earlier answer
    /// without another SRS call. Zero or less: every capsule goes to the SRS.
    /// </summary>
    public int IssuedCfragEntries { get; set; } = 50_000;

    /// <summary>
    /// The longest an issued cfrag is replayed, whatever its kfrag's period says: bounds what the
    /// FhirServer cannot see of the SRS's side (a kfrag withdrawn there without a Consent change).
    /// Zero or less: never replayed.
    /// </summary>
    public TimeSpan IssuedCfragMaxAge { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A token is renewed this long before it expires, so no call goes out with a token about to lapse.</summary>
    public TimeSpan TokenRenewalMargin { get; set; } = TimeSpan.FromSeconds(60);
}
