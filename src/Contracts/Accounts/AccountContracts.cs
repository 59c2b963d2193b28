namespace SeSPHR.Contracts.Accounts;

// The JSON bodies of API.md "Accounts and key directory" (camelCase on the wire). Request fields are
// nullable because the SRS validates them itself and names the missing field in its 400; binary
// values are standard base64.

/// <summary>The public Argon2id settings of a user's password (<c>GET /api/accounts/kdf</c>, and <c>kdf</c> in a registration).</summary>
public sealed record KdfSettings(string? Salt, int MemoryKiB, int Iterations, int Parallelism);

/// <summary><c>POST /api/accounts</c>.</summary>
public sealed record RegistrationRequest(
    string? Username,
    string? Role,
    string? FhirUser,
    KdfSettings? Kdf,
    string? AuthSecret,
    string? UmbralPublicKey,
    string? SigningPublicKey,
    string? WrappedBackup);

/// <summary><c>POST /api/enrolment</c>: the registration body without a role, and the enrolment code.</summary>
public sealed record EnrolmentRequest(
    string? Code,
    string? Username,
    string? FhirUser,
    KdfSettings? Kdf,
    string? AuthSecret,
    string? UmbralPublicKey,
    string? SigningPublicKey,
    string? WrappedBackup);

/// <summary>The answer to a registration or an enrolment; <see cref="Status"/> is <c>active</c> or <c>pending</c>.</summary>
public sealed record RegistrationResponse(Guid UserId, string Status, string Fingerprint);

/// <summary>A key-directory entry (<c>/api/directory</c>, <c>/api/accounts/me</c>); <see cref="Fingerprint"/> is 64 hex digits.</summary>
public sealed record DirectoryEntryResponse(
    Guid UserId,
    string Username,
    string Role,
    string FhirUser,
    string Status,
    string UmbralPublicKey,
    string SigningPublicKey,
    string Fingerprint);

/// <summary><c>GET /api/accounts/me/backup</c>: the password-wrapped key backup.</summary>
public sealed record BackupResponse(string WrappedBackup);

/// <summary>Every account whose access was taken away and not given back (<c>GET /api/accounts/withdrawn</c>).</summary>
public sealed record WithdrawnAccountsResponse(WithdrawnAccount[] Accounts);

public sealed record WithdrawnAccount(Guid UserId, DateTimeOffset WithdrawnAt);
