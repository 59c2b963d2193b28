namespace SeSPHR.Contracts;

/// <summary>Claim types in SRS access tokens beyond the registered JWT ones (API.md "Tokens"; <c>sub</c> is the user id, a GUID).</summary>
public static class SrsClaims
{
    public const string Subject = "sub";
    public const string Role = "sesphr_role";
    public const string KeyFingerprint = "sesphr_key";
    public const string FhirUser = "fhirUser";
    public const string Scope = "scope";
}
