namespace SeSPHR.Client.Accounts;

// The JSON bodies of src/Srs/API.md, as a client sends and reads them (camelCase on the wire).

/// <summary>The SRS's roles (token claim <c>sesphr_role</c>).</summary>
public static class SrsRoles
{
    public const string Patient = "patient";
    public const string Practitioner = "practitioner";
    public const string RelatedPerson = "related-person";
    public const string Insurer = "insurer";
    public const string Pharmacist = "pharmacist";
    public const string Researcher = "researcher";
    public const string Admin = "admin";
}

public sealed record KdfSettingsBody(string Salt, int MemoryKiB, int Iterations, int Parallelism);

public sealed record RegistrationBody(
    string Username,
    string Role,
    string FhirUser,
    KdfSettingsBody Kdf,
    string AuthSecret,
    string UmbralPublicKey,
    string SigningPublicKey,
    string WrappedBackup);

public sealed record EnrolmentBody(
    string Code,
    string Username,
    string FhirUser,
    KdfSettingsBody Kdf,
    string AuthSecret,
    string UmbralPublicKey,
    string SigningPublicKey,
    string WrappedBackup);

public sealed record RegistrationAnswer(string UserId, string Status, string Fingerprint);

public sealed record LoginBody(string Username, string AuthSecret);

public sealed record BackupAnswer(string WrappedBackup);

/// <summary>A key-directory entry; <see cref="Fingerprint"/> is 64 hex digits.</summary>
public sealed record DirectoryEntry(
    string UserId,
    string Username,
    string Role,
    string FhirUser,
    string Status,
    string UmbralPublicKey,
    string SigningPublicKey,
    string Fingerprint);

public sealed record KeyFragmentUpload(
    string Section,
    uint Epoch,
    string GranteeId,
    string DelegatingPublicKey,
    string Kfrag,
    DateTimeOffset Start,
    DateTimeOffset? End);

public sealed record GrantUpload(string ConsentId, string GrantStatement, IReadOnlyList<string> GrantOpenings, IReadOnlyList<KeyFragmentUpload> Kfrags);

public sealed record GrantUploadAnswer(int Accepted);

/// <summary>The SRS's record of one kfrag, never its bytes (GET /api/grants).</summary>
public sealed record KeyFragmentRecord(string Section, uint Epoch, string GranteeId, string State, DateTimeOffset? Start, DateTimeOffset? End);

public sealed record TokenAnswer(
    [property: System.Text.Json.Serialization.JsonPropertyName("access_token")] string AccessToken,
    [property: System.Text.Json.Serialization.JsonPropertyName("refresh_token")] string? RefreshToken,
    [property: System.Text.Json.Serialization.JsonPropertyName("expires_in")] int ExpiresIn,
    [property: System.Text.Json.Serialization.JsonPropertyName("scope")] string? Scope,
    [property: System.Text.Json.Serialization.JsonPropertyName("patient")] string? Patient);
