namespace SeSPHR.Srs.Features.Accounts;

/// <summary>The public Argon2id settings of a user's password (API.md, <c>kdf</c>).</summary>
public sealed record KdfBody(string? Salt, int MemoryKiB, int Iterations, int Parallelism);

/// <summary><c>POST /api/accounts</c>; binary values are standard base64.</summary>
public sealed record RegistrationRequest(
    string? Username,
    string? Role,
    string? FhirUser,
    KdfBody? Kdf,
    string? AuthSecret,
    string? UmbralPublicKey,
    string? SigningPublicKey,
    string? WrappedBackup);

/// <summary><c>POST /api/enrolment</c>: the registration body without a role, and the enrolment code.</summary>
public sealed record EnrolmentRequest(
    string? Code,
    string? Username,
    string? FhirUser,
    KdfBody? Kdf,
    string? AuthSecret,
    string? UmbralPublicKey,
    string? SigningPublicKey,
    string? WrappedBackup)
{
    public RegistrationRequest AsAdminRegistration() =>
        new(Username, Roles.Admin, FhirUser, Kdf, AuthSecret, UmbralPublicKey, SigningPublicKey, WrappedBackup);
}

public sealed record RegistrationResponse(Guid UserId, string Status, string Fingerprint);

public sealed record DirectoryEntryResponse(
    Guid UserId,
    string Username,
    string Role,
    string FhirUser,
    string Status,
    string UmbralPublicKey,
    string SigningPublicKey,
    string Fingerprint)
{
    public static DirectoryEntryResponse From(Account account) => new(
        account.Id,
        account.Username,
        account.Role,
        account.FhirUser,
        Roles.ToWire(account.Status),
        Convert.ToBase64String(account.UmbralPublicKey),
        Convert.ToBase64String(account.SigningPublicKey),
        account.Fingerprint);
}

public sealed record KdfResponse(string Salt, int MemoryKiB, int Iterations, int Parallelism);

public sealed record BackupResponse(string WrappedBackup);

/// <summary>Every account whose access was taken away and not given back (<c>GET /api/accounts/withdrawn</c>).</summary>
public sealed record WithdrawnAccountsResponse(WithdrawnAccount[] Accounts);

public sealed record WithdrawnAccount(Guid UserId, DateTimeOffset WithdrawnAt);
