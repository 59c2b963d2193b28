namespace SeSPHR.SystemTests.AtomicGrants;

/// <summary>What a crash test asks the grant client program to do (one JSON line on its stdin; the password never goes on a command line).</summary>
public sealed record GrantJob(
    string Srs,
    string Fhir,
    string Username,
    string Password,
    string FhirUser,
    string JournalFolder,
    string Action,
    bool Pause,
    string? GranteeFhirUser = null,
    string? GranteeFingerprint = null,
    IReadOnlyList<string>? Sections = null,
    string? ConsentId = null);
