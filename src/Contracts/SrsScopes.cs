namespace SeSPHR.Contracts;

/// <summary>
/// The scopes of the SRS's own API (API.md "Login and OAuth 2.0"). A token that carries any of them
/// is for the SRS only; FHIR scopes make a token for the FhirServer, and no token is for both.
/// </summary>
public static class SrsScopes
{
    /// <summary>The caller's own account: directory, key backup, an admin's approvals.</summary>
    public const string Account = "srs.account";

    /// <summary>A patient's kfrag uploads, grant records and pending role members.</summary>
    public const string Grants = "srs.grants";

    /// <summary>The FhirServer's re-encryption calls.</summary>
    public const string Reencrypt = "srs.reencrypt";

    /// <summary>The FhirServer's grant reconciliation and its poll of withdrawn accounts.</summary>
    public const string Revoke = "srs.revoke";
}
