using static SeSPHR.Contracts.SrsRoles;

namespace SeSPHR.Srs.Features.Accounts;

/// <summary>The rules of the roles (<see cref="SeSPHR.Contracts.SrsRoles"/>): which FHIR resource types a role's <c>fhirUser</c> may name, who waits for approval.</summary>
public static class Roles
{
    private static readonly Dictionary<string, string[]> FhirUserTypes = new(StringComparer.Ordinal)
    {
        [Patient] = ["Patient"],
        [RelatedPerson] = ["RelatedPerson"],
        [Practitioner] = ["Practitioner", "PractitionerRole"],
        [Pharmacist] = ["Practitioner", "PractitionerRole"],
        [Researcher] = ["Practitioner", "PractitionerRole"],
        [Insurer] = ["Organization"],
        [Admin] = ["Practitioner", "PractitionerRole", "Organization"],
    };

    public static bool IsKnown(string role) => FhirUserTypes.ContainsKey(role);

    /// <summary>Roles that may register themselves (admins come from enrolment).</summary>
    public static bool IsSelfRegistered(string role) => IsKnown(role) && role != Admin;

    /// <summary>Practitioners, insurers, pharmacists and researchers wait for an admin.</summary>
    public static bool NeedsApproval(string role) => role is Practitioner or Insurer or Pharmacist or Researcher;

    /// <summary>
    /// Roles any signed-in user may list in the directory: the professional ones a patient grants
    /// to. Patients and related persons are found only by exact username or <c>fhirUser</c> (or
    /// listed by an admin).
    /// </summary>
    public static bool IsListable(string role) => role is Practitioner or Insurer or Pharmacist or Researcher;

    public static bool FitsFhirUser(string role, string fhirUser) =>
        FhirUserTypes.TryGetValue(role, out var types) &&
        fhirUser.IndexOf('/', StringComparison.Ordinal) is var slash and > 0 &&
        types.Contains(fhirUser[..slash], StringComparer.Ordinal);

    public static string AllowedTypes(string role) =>
        FhirUserTypes.TryGetValue(role, out var types) ? string.Join(" or ", types.Select(t => t + "/")) : "none";

    public static string ToWire(AccountStatus status) => status switch
    {
        AccountStatus.Active => "active",
        AccountStatus.Pending => "pending",
        _ => "suspended",
    };
}
