namespace SeSPHR.Contracts.Grants;

/// <summary>
/// A member of a role the patient granted who holds no kfrag of that Consent for some of its sections
/// (<c>GET /api/grants/pending-members</c>): what the SRS vouches for (unique username, keys and their
/// fingerprint, registration time) and, apart, what the member chose freely (<see cref="SelfChosen"/>),
/// so an account that imitates the patient or someone they know by its <c>fhirUser</c> shows as such.
/// </summary>
public sealed record PendingMemberResponse(
    string ConsentId,
    string Role,
    IReadOnlyList<string> Sections,
    Guid UserId,
    string Username,
    DateTimeOffset RegisteredAt,
    string UmbralPublicKey,
    string SigningPublicKey,
    string Fingerprint,
    SelfChosenNames SelfChosen);

/// <summary>
/// Names a member gave themselves at registration, which nobody checked: their <c>fhirUser</c>, and
/// whether it or their username looks like the asking patient's own (the same id or username, ignoring case).
/// </summary>
public sealed record SelfChosenNames(string FhirUser, bool ResemblesYours);
