using Hl7.Fhir.Model;

namespace SeSPHR.Portal.Records;

/// <summary>
/// The personal section as the record form and the record pages show it: the fields of the
/// "create the health record" screen, read from and written into the FHIR Patient (official name,
/// home e-mail, mobile phone, home address, gender, birth date). Elements the form does not show
/// (other names, addresses, contact points) are kept as they were.
/// </summary>
public sealed record PersonalDetails(
    string Name,
    string Email,
    string Gender,
    string HomeAddress,
    string City,
    string State,
    string Zip,
    string ContactNumber,
    DateOnly? DateOfBirth)
{
    /// <summary>The genders a record may hold (FHIR AdministrativeGender), with the words the page shows.</summary>
    public static IReadOnlyList<(string Code, string Label)> Genders { get; } =
    [
        ("female", "Female"),
        ("male", "Male"),
        ("other", "Other"),
        ("unknown", "Prefer not to say"),
    ];

    public static PersonalDetails Of(Patient patient)
    {
        ArgumentNullException.ThrowIfNull(patient);
        var home = HomeAddressOf(patient);
        return new PersonalDetails(
            NameOf(patient),
            patient.Telecom.FirstOrDefault(t => t.System == ContactPoint.ContactPointSystem.Email)?.Value ?? "",
            patient.GenderElement?.ToString() ?? "",
            string.Join(", ", home?.Line ?? []),
            home?.City ?? "",
            home?.State ?? "",
            home?.PostalCode ?? "",
            patient.Telecom.FirstOrDefault(t => t.System == ContactPoint.ContactPointSystem.Phone)?.Value ?? "",
            DateOnly.TryParseExact(patient.BirthDate ?? "", "yyyy-MM-dd", out var born) ? born : null);
    }

    /// <summary>Whether every field of the record form is filled (registration starts a record with the name, e-mail and number only).</summary>
    public bool IsComplete => DateOfBirth is not null && HomeAddress.Length > 0 && Gender.Length > 0;

    public string GenderLabel => Genders.FirstOrDefault(g => g.Code == Gender).Label ?? "";

    /// <summary>Writes these details into <paramref name="patient"/>, leaving what the form does not show.</summary>
    public void ApplyTo(Patient patient)
    {
        ArgumentNullException.ThrowIfNull(patient);
        patient.Active ??= true;
        patient.Name.RemoveAll(n => n.Use is null or HumanName.NameUse.Official);
        patient.Name.Insert(0, new HumanName { Use = HumanName.NameUse.Official, Text = Name });
        patient.Telecom.RemoveAll(t => t.System is ContactPoint.ContactPointSystem.Email or ContactPoint.ContactPointSystem.Phone);
        patient.Telecom.Add(new ContactPoint(ContactPoint.ContactPointSystem.Email, ContactPoint.ContactPointUse.Home, Email));
        patient.Telecom.Add(new ContactPoint(ContactPoint.ContactPointSystem.Phone, ContactPoint.ContactPointUse.Mobile, ContactNumber));
        patient.Gender = Hl7.Fhir.Utility.EnumUtility.ParseLiteral<AdministrativeGender>(Gender);
        patient.Address.RemoveAll(a => a.Use is null or Address.AddressUse.Home);
        patient.Address.Insert(0, new Address { Use = Address.AddressUse.Home, Line = [HomeAddress], City = City, State = State, PostalCode = Zip });
        patient.BirthDate = DateOfBirth?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string NameOf(Patient patient)
    {
        var name = patient.Name.FirstOrDefault(n => n.Use == HumanName.NameUse.Official) ?? patient.Name.FirstOrDefault();
        return name is null ? "" : name.Text ?? string.Join(" ", name.Given.Append(name.Family).Where(part => !string.IsNullOrEmpty(part)));
    }

    private static Address? HomeAddressOf(Patient patient) =>
        patient.Address.FirstOrDefault(a => a.Use == Address.AddressUse.Home) ?? patient.Address.FirstOrDefault();
}
