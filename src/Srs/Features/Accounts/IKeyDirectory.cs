namespace SeSPHR.Srs.Features.Accounts;

/// <summary>Whether an account may act: pending accounts wait for an admin's approval.</summary>
public enum AccountStatus
{
    Pending,
    Active,
    Suspended,
}

/// <summary>
/// One user as the key directory publishes them: the public keys (compressed secp256k1 points)
/// and the fingerprint over both that patients pin when they grant.
/// </summary>
public sealed record DirectoryEntry(
    Guid UserId,
    string Username,
    string Role,
    string FhirUser,
    AccountStatus Status,
    byte[] UmbralPublicKey,
    byte[] SigningPublicKey,
    string Fingerprint);

/// <summary>The key directory as other SRS features read it.</summary>
public interface IKeyDirectory
{
    Task<DirectoryEntry?> FindAsync(Guid userId, CancellationToken cancellationToken);

    /// <summary>By relative FHIR reference such as <c>Practitioner/doc</c>.</summary>
    Task<DirectoryEntry?> FindByFhirUserAsync(string fhirUser, CancellationToken cancellationToken);
}
