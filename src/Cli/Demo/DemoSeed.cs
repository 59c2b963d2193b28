using System.CommandLine;
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
/// first admin enrols with the SRS's one-time code; a patient registers and writes a small sealed
/// record; a doctor registers, the admin approves them, and the patient grants them vitals and
/// medical; an insurer registers and is approved, with no grant. Every password is random and is
/// written only to the credentials file (mode 0600), which also marks the seeding as done.
/// <c>./sesphr up</c> runs it as the hidden command <c>sesphr demo-seed</c>; it is no command for a
/// real system, whose first admin enrols with the code themselves.
/// </summary>
internal static class DemoSeed
{
    public static Command Create()
    {
        var code = new Option<string>("--enrolment-code-file") { Required = true, Description = "The SRS's one-time enrolment code file." };
        var credentials = new Option<string>("--credentials-file") { Required = true, Description = "Where the demo users' passwords go (mode 0600)." };
        var journal = new Option<string>("--journal") { Required = true, Description = "The demo patient's grant journal folder." };
        var (srs, fhir) = (Servers.SrsOption(), Servers.FhirOption());
        var command = new Command("demo-seed", "Make the demo users of ./sesphr up.") { code, credentials, journal, srs, fhir };
        command.Hidden = true;
        CommandAction.Set(command, async (parse, _) =>
        {
            var endpoints = Servers.Endpoints(parse.GetRequiredValue(srs), parse.GetRequiredValue(fhir));
            await RunAsync(endpoints, parse.GetRequiredValue(code), parse.GetRequiredValue(credentials), parse.GetRequiredValue(journal));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async System.Threading.Tasks.Task RunAsync(SystemEndpoints endpoints, string enrolmentCodeFile, string credentialsFile, string journalFolder)
    {
        var code = (await File.ReadAllTextAsync(enrolmentCodeFile)).Trim();

        var passwords = new Dictionary<string, string>(StringComparer.Ordinal);
        string PasswordOf(string username) => passwords[username] = PhrUser.NewPassword();

        using var admin = PhrUser.Create(endpoints, "admin", SrsRoles.Admin, "Practitioner/admin", PasswordOf("admin"));
        await admin.EnrolAsAdminAsync(code);
        await admin.LoginAsync();

        using var doctor = await ApprovedMemberAsync(endpoints, admin, "dr-house", SrsRoles.Practitioner, "Practitioner/dr-house", PasswordOf("dr-house"));
        await RequireAsync(doctor.Fhir.PutAsync(new Practitioner
        {
            Id = "dr-house",
            Active = true,
            Name = [new HumanName { Family = "House", Given = ["Gregory"], Prefix = ["Dr."] }],
        }), "the doctor's Practitioner resource");
        using var insurer = await ApprovedMemberAsync(endpoints, admin, "acme-insurance", SrsRoles.Insurer, "Organization/acme-insurance", PasswordOf("acme-insurance"));
        await RequireAsync(insurer.Fhir.PutAsync(new Organization { Id = "acme-insurance", Active = true, Name = "ACME Health Insurance" }),
            "the insurer's Organization resource");

        using var patient = PhrUser.Create(endpoints, "alice", SrsRoles.Patient, "Patient/alice", PasswordOf("alice"));
        await patient.RegisterAsync();
        await patient.LoginAsync();
        var grants = PatientGrants.Open(patient, journalFolder);
        var record = new PatientRecord(patient, grants.Book);
        foreach (var resource in AliceRecord(record))
        {
            await RequireAsync(record.WriteAsync(resource), $"{resource.TypeName}/{resource.Id}");
        }

        await grants.GrantAsync(doctor.FhirUser, doctor.Keys.Fingerprint, [PhrSection.Vitals, PhrSection.Medical]);

        var credentials = new StringBuilder()
            .AppendLine("# SeSPHR demo users (made by ./sesphr up; delete this file and the data with ./sesphr reset)")
            .AppendLine("# username\trole\tfhirUser\tpassword");
        foreach (var user in new[] { admin, patient, doctor, insurer })
        {
            credentials.AppendLine($"{user.Username}\t{user.Role}\t{user.FhirUser}\t{passwords[user.Username]}");
        }

        await File.WriteAllTextAsync(credentialsFile, credentials.ToString());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(credentialsFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        CliConsole.Say("Demo users: admin, alice (patient; vitals and medical granted to dr-house), dr-house (practitioner), acme-insurance (insurer).");
    }

    private static async Task<PhrUser> ApprovedMemberAsync(SystemEndpoints endpoints, PhrUser admin, string username, string role, string fhirUser, string password)
    {
        var member = PhrUser.Create(endpoints, username, role, fhirUser, password);
        var registration = await member.RegisterAsync();
        await admin.Srs.ApproveAsync(registration.UserId.ToString(), await admin.GetSrsAccessTokenAsync());
        await member.LoginAsync();
        return member;
    }

    private static async System.Threading.Tasks.Task RequireAsync(Task<FhirResponse> write, string what)
    {
        FhirFailures.ThrowUnlessSuccess(await write, "writing " + what);
    }

    /// <summary>A few resources of each section, as a patient's app would have written them.</summary>
    private static Resource[] AliceRecord(PatientRecord record) =>
    [
        new Patient
        {
            Id = record.PatientId,
            Active = true,
            Name = [new HumanName { Family = "Liddell", Given = ["Alice"] }],
            Gender = AdministrativeGender.Female,
            BirthDate = "1985-05-04",
        },
        Vital(record, "alice-pulse-1", "8867-4", "Heart rate", 72, "/min", "2026-10-01T08:00:00Z"),
        Vital(record, "alice-pulse-2", "8867-4", "Heart rate", 68, "/min", "2026-11-01T08:00:00Z"),
        Vital(record, "alice-weight-1", "29463-7", "Body weight", 61.5m, "kg", "2026-11-01T08:05:00Z"),
        new Condition
        {
            Id = "alice-asthma",
            Subject = record.Subject,
            ClinicalStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
            Code = new CodeableConcept("http://snomed.info/sct", "195967001", "Asthma"),
            RecordedDate = "2020-03-12",
        },
        new MedicationRequest
        {
            Id = "alice-salbutamol",
            Status = MedicationRequest.MedicationrequestStatus.Active,
            Intent = MedicationRequest.MedicationRequestIntent.Order,
            Subject = record.Subject,
            Medication = new CodeableConcept("http://www.nlm.nih.gov/research/umls/rxnorm", "745679", "Salbutamol inhaler"),
            AuthoredOn = "2026-09-15",
        },
        new Coverage
        {
            Id = "alice-coverage",
            Status = FinancialResourceStatusCodes.Active,
            Beneficiary = record.Subject,
            Payor = [new ResourceReference("Organization/acme-insurance")],
            SubscriberId = "ACME-0042-7781",
        },
    ];

    private static Observation Vital(PatientRecord record, string id, string loinc, string display, decimal value, string unit, string when) => new()
    {
        Id = id,
        Status = ObservationStatus.Final,
        Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")],
        Code = new CodeableConcept("http://loinc.org", loinc, display),
        Subject = record.Subject,
        Effective = new FhirDateTime(when),
        Value = new Quantity(value, unit) { System = "http://unitsofmeasure.org", Code = unit },
    };
}
