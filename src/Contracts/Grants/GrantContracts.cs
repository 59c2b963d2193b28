using System.Text.Json.Serialization;

namespace SeSPHR.Contracts.Grants;

// The JSON bodies of API.md "Re-encryption keys (grants)". Binary values, ids and instants the SRS
// reads arrive as strings, so that a malformed one is reported by its validators as a problem+json
// 400 naming the field instead of failing inside the JSON reader; senders write instants with
// WireInstant.Format.

/// <summary><c>POST /api/grants</c> (the patient's client).</summary>
public sealed record GrantUploadRequest(string? ConsentId, string? GrantStatement, IReadOnlyList<string>? GrantOpenings, IReadOnlyList<KfragUploadItem>? Kfrags);

public sealed record KfragUploadItem(
    string? Section, long? Epoch, string? GranteeId, string? DelegatingPublicKey, string? Kfrag, string? Start, string? End);

public sealed record GrantUploadResponse(int Accepted);

/// <summary>The SRS's record of one kfrag, never its bytes (<c>GET /api/grants</c>).</summary>
public sealed record GrantRecordResponse(
    string ConsentId, string Section, long Epoch, Guid GranteeId, string State, DateTimeOffset Start, DateTimeOffset? End,
    int Threshold, int Shares, DateTimeOffset CreatedAt, DateTimeOffset? ActivatedAt);

/// <summary><c>PUT /api/consents/{id}/grants</c> (the FhirServer): everything a Consent now grants.</summary>
public sealed record ReconcileRequest(string? Patient, IReadOnlyList<ReconcileGrantItem>? Grants);

/// <summary>One grant of a Consent: to a user (<see cref="GranteeFhirUser"/>) or to a role, never both.</summary>
public sealed record ReconcileGrantItem(
    string? GranteeFhirUser, string? Role, string? Section, IReadOnlyList<string>? Actions, string? Start, string? End);

public sealed record ReconcileResponse(int Active, int Deleted);

/// <summary><c>POST /api/reencrypt</c> (the FhirServer), at most <see cref="GrantLimits.MaxReencryptItems"/> items.</summary>
public sealed record ReencryptRequest(string? GranteeId, IReadOnlyList<ReencryptItem>? Items);

/// <summary>One capsule to re-encrypt; <see cref="Ref"/> is the caller's own correlation key.</summary>
public sealed record ReencryptItem(string? Ref, string? Patient, string? Section, long? Epoch, string? Capsule);

public sealed record ReencryptResponse(IReadOnlyList<ReencryptItemResult> Items);

/// <summary>
/// The answer for one capsule: a cfrag, or the reason it refused (<c>no-grant</c>, <c>expired</c>,
/// <c>bad-capsule</c>); <see cref="Until"/> is the end of the period of the kfrag the cfrag was made with.
/// </summary>
public sealed record ReencryptItemResult(
    string Ref,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Cfrag,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Refused,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? Until = null);

/// <summary>Limits of the grant API.</summary>
public static class GrantLimits
{
    public const int MaxKfragsPerUpload = 1000;

    public const int MaxReencryptItems = 1000;

    public const int MaxRefLength = 256;

    /// <summary>A signed statement header is a few hundred bytes; this leaves room for many sections.</summary>
    public const int MaxSignedStatementBytes = 256 * 1024;

    /// <summary>One opening per section the upload's grantees hold.</summary>
    public const int MaxOpeningsPerUpload = 1000;

    /// <summary>An opening is an entry (ids up to 1 KiB each), a salt and a path of at most 20 hashes.</summary>
    public const int MaxOpeningBytes = 4096;

    /// <summary>Above an Umbral capsule's serialized size, so an oversized capsule still gets a per-item <c>bad-capsule</c>, but bounded.</summary>
    public const int MaxCapsuleBytes = 1024;
}
