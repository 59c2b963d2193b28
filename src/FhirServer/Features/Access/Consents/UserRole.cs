namespace SeSPHR.FhirServer.Features.Access.Consents;

/// <summary>The role a user registered with at the SRS (DESIGN.md §5.1); it arrives with the caller's token.</summary>
public enum UserRole
{
    Patient,
    Practitioner,
    RelatedPerson,
    Insurer,
    Pharmacist,
    Researcher,
    Admin,
}
