using SeSPHR.Crypto.Grants;

namespace SeSPHR.FhirServer.Features.Access.Consents;

/// <summary>
/// Who is asking, as the SRS vouches for them: the SRS user id, the role they registered with, their
/// <c>fhirUser</c> (a relative reference such as <c>Practitioner/123</c>; absolute URLs are the
/// wiring's to shorten) and the fingerprint of the keys the key directory holds for them.
/// </summary>
/// <remarks>
/// Consent names grantees by <see cref="FhirUser"/>, never by <see cref="UserId"/>; a permit naming
/// the caller counts only when <see cref="KeyFingerprint"/> equals the fingerprint the patient
/// approved for them, so a directory that substitutes a key does not get the grantee's access.
/// </remarks>
public sealed record Caller(string UserId, UserRole Role, string? FhirUser, KeyFingerprint? KeyFingerprint)
{
    /// <summary>Whether the caller is the patient whose record <paramref name="patient"/> names.</summary>
    public bool IsPatient(string patient) =>
        Role == UserRole.Patient
        && FhirReference.Normalize(FhirUser) is { } self
        && self == FhirReference.Normalize(patient);
}
