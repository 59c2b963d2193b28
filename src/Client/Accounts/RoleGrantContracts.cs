namespace SeSPHR.Client.Accounts;

/// <summary>
/// A member of a role the patient granted who holds no kfrag of that Consent yet (GET /api/grants/pending-members):
/// what the SRS vouches for (username, keys, fingerprint, registration time) and, apart, what the member chose
/// themselves (<see cref="SelfChosen"/>).
/// </summary>
public sealed record PendingMember(
    string ConsentId,
    string Role,
    IReadOnlyList<string> Sections,
    string UserId,
    string Username,
    DateTimeOffset RegisteredAt,
    string UmbralPublicKey,
    string SigningPublicKey,
    string Fingerprint,
    SelfChosenNames SelfChosen);

/// <summary>Names a member gave themselves, unchecked: their fhirUser, and whether it or their username looks like the patient's own.</summary>
public sealed record SelfChosenNames(string FhirUser, bool ResemblesYours);
