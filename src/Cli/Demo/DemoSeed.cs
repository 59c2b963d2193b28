using System.CommandLine;
using System.Globalization;
using System.Text;
using Hl7.Fhir.Model;
using SeSPHR.Contracts;
using SeSPHR.Cli.Commands;
using SeSPHR.Cli.Profile;
using SeSPHR.Phr.Sections;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Fhir;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Records;
using SeSPHR.Cli.Records;

namespace SeSPHR.Cli.Demo;

/// <summary>
/// The demo users of <c>./sesphr up</c>, made the way real clients make them (no backdoor): the
/// first admin enrols with the SRS's one-time code; a patient registers and writes a sealed record
/// (demographics, some weeks of vital signs, a condition, a prescription, a coverage); a doctor, a
/// pharmacist and an insurer register and the admin approves them; a family member registers; and
/// the patient grants each of them the sections their work needs. Every password is random and is
/// written only to the credentials file (mode 0600), which also marks the seeding as done.
/// <c>./sesphr up</c> runs it as the hidden command <c>sesphr demo-seed</c>; it is no command for a
/// real system, whose first admin enrols with the code themselves.
/// </summary>
internal static class DemoSeed
{
    /// <summary>How far back the demo vitals reach.</summary>
    private const int VitalDays = 42;

    public static Command Create()
    {
        var code = new Option<string>("--enrolment-code-file") { Required = true, Description = "The SRS's one-time enrolment code file." };
        var credentials = new Option<string>("--credentials-file") { Required = true, Description = "Where the demo users' passwords go (mode 0600)." };
        var journals = new Option<string>("--journals")
        {
            Required = true,
            Description = "The folder of the patients' grant journals, one folder per user id (the portal's <data>/journals), so the portal continues the demo patient's grant book.",
        };
        var (srs, fhir) = (Servers.SrsOption(), Servers.FhirOption());
        var command = new Command("demo-seed", "Make the demo users of ./sesphr up.") { code, credentials, journals, srs, fhir };
        command.Hidden = true;
        CommandAction.Set(command, async (parse, _) =>
        {
            var endpoints = Servers.Endpoints(parse.GetRequiredValue(srs), parse.GetRequiredValue(fhir));
            await RunAsync(endpoints, parse.GetRequiredValue(code), parse.GetRequiredValue(credentials), parse.GetRequiredValue(journals));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async System.Threading.Tasks.Task RunAsync(SystemEndpoints endpoints, string enrolmentCodeFile, string credentialsFile, string journalsFolder)
    {
        var code = (await File.ReadAllTextAsync(enrolmentCodeFile)).Trim();

        var passwords = new Dictionary<string, string>(StringComparer.Ordinal);
        string PasswordOf(string username) => passwords[username] = PhrUser.NewPassword();

        using var admin = PhrUser.Create(endpoints, "admin", SrsRoles.Admin, "Practitioner/admin", PasswordOf("admin"));
        await admin.EnrolAsAdminAsync(code);
        await admin.LoginAsync();

        using var doctor = await MemberAsync(endpoints, admin, "dr-house", SrsRoles.Practitioner, "Practitioner/dr-house", PasswordOf("dr-house"));
        await RequireAsync(doctor.Fhir.PutAsync(new Practitioner
        {
            Id = "dr-house",
            Active = true,
            Name = [new HumanName { Family = "House", Given = ["Gregory"], Prefix = ["Dr."] }],
        }), "the doctor's Practitioner resource");
        using var pharmacist = await MemberAsync(endpoints, admin, "dave-pharmacy", SrsRoles.Pharmacist, "Practitioner/dave-pharmacy", PasswordOf("dave-pharmacy"));
        await RequireAsync(pharmacist.Fhir.PutAsync(new Practitioner
        {
            Id = "dave-pharmacy",
            Active = true,
            Name = [new HumanName { Family = "Dawson", Given = ["Dave"] }],
        }), "the pharmacist's Practitioner resource");
        using var insurer = await MemberAsync(endpoints, admin, "acme-insurance", SrsRoles.Insurer, "Organization/acme-insurance", PasswordOf("acme-insurance"));
        await RequireAsync(insurer.Fhir.PutAsync(new Organization { Id = "acme-insurance", Active = true, Name = "ACME Health Insurance" }),
            "the insurer's Organization resource");
        using var family = await MemberAsync(endpoints, admin, "carol", SrsRoles.RelatedPerson, "RelatedPerson/carol", PasswordOf("carol"));

        using var patient = PhrUser.Create(endpoints, "alice", SrsRoles.Patient, "Patient/alice", PasswordOf("alice"));
        await patient.RegisterAsync();
        await patient.LoginAsync();
        var grants = PatientGrants.Open(patient, Path.Combine(journalsFolder, patient.RequireUserId));
        var record = new PatientRecord(patient, grants.Book);
        foreach (var resource in AliceRecord(record, DateTimeOffset.UtcNow))
        {
            await RequireAsync(record.WriteAsync(resource), $"{resource.TypeName}/{resource.Id}");
        }

        await grants.GrantAsync(doctor.FhirUser, doctor.Keys.Fingerprint, [PhrSection.Vitals, PhrSection.Medical]);
        await grants.GrantAsync(family.FhirUser, family.Keys.Fingerprint, PhrSectionCodes.All);
        await grants.GrantAsync(pharmacist.FhirUser, pharmacist.Keys.Fingerprint, [PhrSection.Prescriptions]);
        await grants.GrantAsync(insurer.FhirUser, insurer.Keys.Fingerprint, [PhrSection.Insurance]);

        var credentials = new StringBuilder()
            .AppendLine("# SeSPHR demo users (made by ./sesphr up; delete this file and the data with ./sesphr reset)")
            .AppendLine("# username\trole\tfhirUser\tpassword");
        foreach (var user in new[] { admin, patient, doctor, family, pharmacist, insurer })
        {
            credentials.AppendLine($"{user.Username}\t{user.Role}\t{user.FhirUser}\t{passwords[user.Username]}");
        }

        await File.WriteAllTextAsync(credentialsFile, credentials.ToString());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(credentialsFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        CliConsole.Say("Demo users: admin; alice (patient); dr-house (practitioner: vitals, medical); carol (family: every section); "
            + "dave-pharmacy (pharmacist: prescriptions); acme-insurance (insurer: insurance).");
    }

    /// <summary>A registered member, approved by the admin when their role waits for approval, and logged in.</summary>
    private static async Task<PhrUser> MemberAsync(SystemEndpoints endpoints, PhrUser admin, string username, string role, string fhirUser, string password)
    {
        var member = PhrUser.Create(endpoints, username, role, fhirUser, password);
        var registration = await member.RegisterAsync();
        if (registration.Status == "pending")
        {
            await admin.Srs.ApproveAsync(registration.UserId.ToString(), await admin.GetSrsAccessTokenAsync());
        }

        await member.LoginAsync();
        return member;
    }

    private static async System.Threading.Tasks.Task RequireAsync(Task<FhirResponse> write, string what)
    {
        FhirFailures.ThrowUnlessSuccess(await write, "writing " + what);
    }

    /// <summary>A record of each section, as a patient's app would have written it, with vitals up to <paramref name="now"/>.</summary>
    private static IEnumerable<Resource> AliceRecord(PatientRecord record, DateTimeOffset now)
    {
        yield return AlicePatient(record);
        yield return new RelatedPerson
        {
            Id = "carol",
            Active = true,
            Patient = record.Subject,
            Relationship = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/v3-RoleCode", "SIS", "sister")],
            Name = [new HumanName { Family = "Liddell", Given = ["Carol"] }],
        };
        foreach (var vital in AliceVitals(record, now))
        {
            yield return vital;
        }

        yield return new Condition
        {
            Id = "alice-asthma",
            Subject = record.Subject,
            ClinicalStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
            Code = new CodeableConcept("http://snomed.info/sct", "195967001", "Asthma"),
            RecordedDate = "2020-03-12",
        };
        yield return new MedicationRequest
        {
            Id = "alice-salbutamol",
            Status = MedicationRequest.MedicationrequestStatus.Active,
            Intent = MedicationRequest.MedicationRequestIntent.Order,
            Subject = record.Subject,
            Medication = new CodeableConcept("http://www.nlm.nih.gov/research/umls/rxnorm", "745679", "Salbutamol inhaler"),
            AuthoredOn = now.AddDays(-30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            Requester = new ResourceReference("Practitioner/dr-house"),
            DosageInstruction = [new Dosage { Text = "Two puffs when short of breath, up to four times a day" }],
        };
        yield return new Coverage
        {
            Id = "alice-coverage",
            Status = FinancialResourceStatusCodes.Active,
            Beneficiary = record.Subject,
            Payor = [new ResourceReference("Organization/acme-insurance")],
            SubscriberId = "ACME-0042-7781",
        };
    }

    /// <summary>The health record's fields as the portal's record form fills them.</summary>
    private static Patient AlicePatient(PatientRecord record) => new()
    {
        Id = record.PatientId,
        Active = true,
        Name = [new HumanName { Family = "Liddell", Given = ["Alice"], Text = "Alice Liddell" }],
        Gender = AdministrativeGender.Female,
        BirthDate = "1985-05-04",
        Telecom =
        [
            new ContactPoint(ContactPoint.ContactPointSystem.Email, ContactPoint.ContactPointUse.Home, "alice@example.org"),
            new ContactPoint(ContactPoint.ContactPointSystem.Phone, ContactPoint.ContactPointUse.Mobile, "+1 555 0142"),
        ],
        Address = [new Address { Line = ["12 Rabbit Hole Lane"], City = "Oxford", State = "Oxfordshire", PostalCode = "OX1 1DP" }],
    };

    /// <summary>
    /// Six weeks of readings: pulse and temperature every morning, blood pressure and weight once a
    /// week. The values wander in a plausible band (a fixed pattern, the same on every seeding).
    /// </summary>
    private static IEnumerable<Observation> AliceVitals(PatientRecord record, DateTimeOffset now)
    {
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        for (var day = VitalDays; day >= 0; day--)
        {
            var at = today.AddDays(-day).AddHours(7).AddMinutes(30);
            var stamp = at.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
            var wave = Math.Sin(day / 3.0);
            yield return Vital(record, $"alice-pulse-{stamp}", "8867-4", "Heart rate", Math.Round(70 + (6 * (decimal)wave)), "/min", at);
            yield return Vital(record, $"alice-temperature-{stamp}", "8310-5", "Body temperature", Math.Round(36.7m + (0.3m * (decimal)Math.Cos(day / 2.0)), 1), "Cel", at);
            if (day % 7 == 0)
            {
                yield return BloodPressure(record, $"alice-bp-{stamp}", 118 + (day % 3 * 3), 76 + (day % 2 * 4), at.AddMinutes(5));
                yield return Vital(record, $"alice-weight-{stamp}", "29463-7", "Body weight", 61.5m + (day / 14 * 0.4m), "kg", at.AddMinutes(10));
            }
        }
    }

    private static Observation Vital(PatientRecord record, string id, string loinc, string display, decimal value, string unit, DateTimeOffset when) => new()
    {
        Id = id,
        Status = ObservationStatus.Final,
        Category = [VitalSigns],
        Code = new CodeableConcept("http://loinc.org", loinc, display),
        Subject = record.Subject,
        Effective = new FhirDateTime(when),
        Value = Ucum(value, unit),
    };

    /// <summary>A blood pressure panel: systolic and diastolic as components, in mm[Hg].</summary>
    private static Observation BloodPressure(PatientRecord record, string id, decimal systolic, decimal diastolic, DateTimeOffset when) => new()
    {
        Id = id,
        Status = ObservationStatus.Final,
        Category = [VitalSigns],
        Code = new CodeableConcept("http://loinc.org", "85354-9", "Blood pressure panel with all children optional"),
        Subject = record.Subject,
        Effective = new FhirDateTime(when),
        Component =
        [
            new Observation.ComponentComponent { Code = new CodeableConcept("http://loinc.org", "8480-6", "Systolic blood pressure"), Value = Ucum(systolic, "mm[Hg]") },
            new Observation.ComponentComponent { Code = new CodeableConcept("http://loinc.org", "8462-4", "Diastolic blood pressure"), Value = Ucum(diastolic, "mm[Hg]") },
        ],
    };

    private static CodeableConcept VitalSigns => new("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs");

    private static Quantity Ucum(decimal value, string unit) => new(value, unit) { System = "http://unitsofmeasure.org", Code = unit };
}
