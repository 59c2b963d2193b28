namespace SeSPHR.Contracts;

/// <summary>The SRS's roles (API.md "Identities"; token claim <c>sesphr_role</c>).</summary>
public static class SrsRoles
{
    public const string Patient = "patient";
    public const string Practitioner = "practitioner";
    public const string RelatedPerson = "related-person";
    public const string Insurer = "insurer";
    public const string Pharmacist = "pharmacist";
    public const string Researcher = "researcher";
    public const string Admin = "admin";

    public static IReadOnlySet<string> All { get; } =
        new HashSet<string>([Patient, Practitioner, RelatedPerson, Insurer, Pharmacist, Researcher, Admin], StringComparer.Ordinal);
}
