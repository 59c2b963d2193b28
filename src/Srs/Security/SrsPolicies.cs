namespace SeSPHR.Srs.Security;

/// <summary>
/// Authorization policy names of the SRS's own API (bearer access tokens it issued itself, read
/// by OpenIddict's validation with the local server), and the claims they look at.
/// </summary>
public static class SrsPolicies
{
    /// <summary>Any active user with an SRS access token carrying <c>srs.account</c>.</summary>
    public const string SignedIn = "signed-in";

    /// <summary>An active admin with an SRS access token carrying <c>srs.account</c>.</summary>
    public const string Admin = "admin";

    /// <summary>An active patient whose token carries the <c>srs.grants</c> scope: uploads kfrags for their own keys.</summary>
    public const string PatientGrants = "patient-grants";

    /// <summary>The FhirServer's service client with the <c>srs.reencrypt</c> scope.</summary>
    public const string Reencrypt = "srs-reencrypt";

    /// <summary>The FhirServer's service client with the <c>srs.revoke</c> scope (grant reconciliation).</summary>
    public const string Revoke = "srs-revoke";
}
