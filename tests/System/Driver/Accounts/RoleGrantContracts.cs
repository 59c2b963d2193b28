namespace SeSPHR.SystemTests.Driver.Accounts;

/// <summary>A member of a role the patient granted who holds no kfrag of that Consent yet (GET /api/grants/pending-members).</summary>
public sealed record PendingMember(
    string ConsentId,
    string Role,
    IReadOnlyList<string> Sections,
    string UserId,
    string FhirUser,
    string UmbralPublicKey,
    string SigningPublicKey,
    string Fingerprint);
