// Seeds the access benchmark (benchmarks/access/run.sh) through the public APIs, as real clients do.
//
//   SeSPHR.AccessData seed <work dir> <srs url> <fhir base url> <enrolment code file> [--count N] [--warm N] [--seed N]
//   SeSPHR.AccessData tokens <work dir>
//   SeSPHR.AccessData turnaround <work dir> <output.json> [--sizes 50,100,...] [--rounds N]
//   SeSPHR.AccessData grants-growth <work dir> <output.json> [--steps 1,10,100] [--requests N]
//
// seed: enrols the first admin with the SRS's one-time code, registers a patient and a doctor (the
// admin approves the doctor), lets the patient write N sealed vitals Observations (transaction
// Bundles of PUT entries, each resource sealed and signed by the patient's client) and grant the
// doctor the vitals section (kfrags to the SRS, then the Consent). It checks once that a doctor's
// read carries cfrags that open and a patient's read carries none, then writes for wrk:
//   read-patient.txt  every Observation, in random order (the patient's own reads: no SRS)
//   read-warm.txt     the first --warm ids: the doctor reads them once before measuring (cache warm)
//   read-cold.txt     the rest: each doctor run takes a fresh slice, so the SRS's cfrag cache misses
//   search.txt        GET Observation?subject=...&_count=20 (20 capsules per SRS call)
// tokens: signs both users in again (tokens live 15 minutes) and writes patient.token and doctor.token.
// turnaround: the paper's upload and download turnaround at each size (Turnaround.cs).
// grants-growth: the doctor's search and cold reads as the patient's grantees grow (GrantsGrowth.cs).
//
// The two users' passwords are throwaway benchmark credentials kept in <work dir>/users.json (0600)
// so that `tokens` can sign in again; the work folder is removed after the run.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;
using SeSPHR.Contracts;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Reading;
using SeSPHR.Client.Records;
using Task = System.Threading.Tasks.Task;

var json = new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true };
if (args.Length >= 2 && args[0] == "tokens")
{
    await WriteTokensAsync(args[1]);
    return 0;
}

if (args.Length >= 3 && args[0] == "grants-growth")
{
    var steps = (OptionText("--steps") ?? "1,10,100").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
    return await SeSPHR.AccessData.GrantsGrowth.RunAsync(args[1], steps, Option("--requests", 400), args[2]);
}

if (args.Length >= 3 && args[0] == "turnaround")
{
    var sizes = (OptionText("--sizes") ?? "50,100,200,500,800,1024,1500,2048").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
    return await SeSPHR.AccessData.Turnaround.RunAsync(args[1], sizes, Option("--rounds", 5), args[2]);
}

if (args.Length < 5 || args[0] != "seed")
{
    Console.Error.WriteLine("usage: SeSPHR.AccessData seed <work dir> <srs url> <fhir base url> <enrolment code file> [--count N] [--warm N] [--seed N]");
    Console.Error.WriteLine("       SeSPHR.AccessData tokens <work dir>");
    return 2;
}

var work = args[1];
var endpoints = new SystemEndpoints(new Uri(args[2].TrimEnd('/') + "/"), new Uri(args[3].TrimEnd('/') + "/"));
var enrolmentCodeFile = args[4];
var count = Option("--count", 20_000);
var warm = Option("--warm", 1_000);
var random = new Random(Option("--seed", 20261125));
var clock = Stopwatch.StartNew();
Directory.CreateDirectory(work);

using var admin = PhrUser.Create(endpoints, "bench-admin", SrsRoles.Admin, "Practitioner/bench-admin");
await admin.EnrolAsAdminAsync((await File.ReadAllTextAsync(enrolmentCodeFile)).Trim());
await admin.LoginAsync();

var patientPassword = PhrUser.NewPassword();
var doctorPassword = PhrUser.NewPassword();
using var patient = PhrUser.Create(endpoints, "bench-patient", SrsRoles.Patient, "Patient/" + Guid.NewGuid().ToString("N"), patientPassword);
await patient.RegisterAsync();
await patient.LoginAsync();
using var doctor = PhrUser.Create(endpoints, "bench-doctor", SrsRoles.Practitioner, "Practitioner/" + Guid.NewGuid().ToString("N"), doctorPassword);
var registered = await doctor.RegisterAsync();
if (registered.Status == "pending")
{
    await admin.Srs.ApproveAsync(registered.UserId.ToString(), await admin.GetSrsAccessTokenAsync());
}

await doctor.LoginAsync();
var users = new BenchUsers(endpoints.Srs.ToString(), endpoints.Fhir.ToString(),
    [
        new BenchUser("patient", patient.Username, patientPassword, patient.Role, patient.FhirUser),
        new BenchUser("doctor", doctor.Username, doctorPassword, doctor.Role, doctor.FhirUser),
    ]);
WritePrivate(Path.Combine(work, "users.json"), JsonSerializer.Serialize(users, json));
Say($"users registered in {clock.Elapsed.TotalSeconds:F1} s");

// The patient's record: sealed on two cores, written by transaction Bundles of 100 PUT entries.
var grants = PatientGrants.Open(patient, Path.Combine(work, "journal"));
var record = new PatientRecord(patient, grants.Book);
var start = new DateTimeOffset(2025, 1, 1, 8, 0, 0, TimeSpan.Zero);
var observations = Enumerable.Range(0, count)
    .Select(i => NewObservation(i, record.Subject, start.AddMinutes(random.Next(0, 500_000))))
    .ToArray();
var sealedObservations = new Resource[count];
Parallel.For(0, count, i => sealedObservations[i] = record.Seal(observations[i]));
Say($"{count} Observations sealed in {clock.Elapsed.TotalSeconds:F1} s");

var bundles = sealedObservations.Chunk(100).Select(chunk =>
{
    var transaction = new Bundle { Type = Bundle.BundleType.Transaction };
    transaction.Entry.AddRange(chunk.Select(resource => new Bundle.EntryComponent
    {
        FullUrl = $"urn:uuid:{Guid.NewGuid()}",
        Resource = resource,
        Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"{resource.TypeName}/{resource.Id}" },
    }));
    return transaction;
}).ToList();
await Parallel.ForEachAsync(bundles, new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (bundle, _) =>
{
    var answer = await patient.Fhir.TransactionAsync(bundle);
    if (!answer.IsSuccess)
    {
        throw new InvalidOperationException($"a transaction of the patient's Observations answered {(int)answer.Status}: {Snippet(answer.Body)}");
    }
});
Say($"{count} Observations written in {bundles.Count} transactions, {clock.Elapsed.TotalSeconds:F1} s");

// The grant after the writes: backward access control, the doctor reads what was written before.
// Medical too: the turnaround's files are DocumentReferences, which live in the medical section.
await grants.GrantAsync(doctor.FhirUser, doctor.Keys.Fingerprint, [PhrSection.Vitals, PhrSection.Medical]);
Say($"vitals and medical granted to the doctor, {clock.Elapsed.TotalSeconds:F1} s");

// The one functional check: a doctor's read carries cfrags that open to the value the patient wrote;
// the patient's read of the same resource carries none. On an id of the warm slice, which the run
// reads before measuring anyway, so the cold slices stay unread by the doctor.
var ids = observations.Select(o => o.Id!).ToList();
var probeId = ids[0];
var reader = new GranteeReader(doctor);
await reader.LearnAsync(patient.FhirUser);
var doctorRead = await doctor.Fhir.ReadAsync("Observation", probeId);
if (!doctorRead.IsSuccess)
{
    throw new InvalidOperationException($"the doctor's read answered {(int)doctorRead.Status}: {Snippet(doctorRead.Body)}");
}

if (CfragCount(doctorRead.Resource) == 0)
{
    throw new InvalidOperationException("the doctor's read carried no cfrags");
}

var opened = reader.Open(patient.FhirUser, doctorRead.Resource!);
var openedValue = ((Quantity?)((Observation)opened.Resource).Value)?.Value;
if (!opened.Opened.SequenceEqual([PhrSection.Vitals]) || openedValue != ((Quantity)observations[0].Value!).Value)
{
    throw new InvalidOperationException("the doctor's read did not open to the value the patient wrote");
}

var patientRead = await patient.Fhir.ReadAsync("Observation", probeId);
if (!patientRead.IsSuccess || CfragCount(patientRead.Resource) != 0 || EncryptedSectionExtension.ReadAll((DomainResource)patientRead.Resource!).Count == 0)
{
    throw new InvalidOperationException($"the patient's read answered {(int)patientRead.Status} and should carry envelopes without cfrags");
}

Say("checked: the doctor's read carries cfrags that open, the patient's read carries none");

// The unaudited baseline: clear directory resources (Organization, of no record: readable by any
// signed-in caller and never audited), padded to about the size of the patient's sealed reads, so
// audited and unaudited reads can be run side by side.
var directoryIds = Enumerable.Range(0, 1000).Select(_ => Guid.NewGuid().ToString("N")).ToList();
var padding = new string('m', Math.Max(500, patientRead.Body.Length - 300));
foreach (var chunk in directoryIds.Chunk(100))
{
    var transaction = new Bundle { Type = Bundle.BundleType.Transaction };
    transaction.Entry.AddRange(chunk.Select(id => new Bundle.EntryComponent
    {
        FullUrl = $"urn:uuid:{Guid.NewGuid()}",
        Resource = new Organization { Id = id, Name = "Bench organisation", Alias = [padding] },
        Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"Organization/{id}" },
    }));
    var answer = await admin.Fhir.TransactionAsync(transaction);
    if (!answer.IsSuccess)
    {
        throw new InvalidOperationException($"a transaction of directory Organizations answered {(int)answer.Status}: {Snippet(answer.Body)}");
    }
}

Say($"{directoryIds.Count} directory Organizations written (~{padding.Length + 200} bytes each), {clock.Elapsed.TotalSeconds:F1} s");

var shuffled = ids.OrderBy(_ => random.Next()).ToList();
var warmIds = ids.Take(warm).ToList();
var coldIds = ids.Skip(warm).OrderBy(_ => random.Next()).ToList();
WriteLines("read-patient.txt", shuffled.Select(ReadLine));
WriteLines("read-warm.txt", warmIds.Select(ReadLine));
WriteLines("read-cold.txt", coldIds.Select(ReadLine));
WriteLines("read-directory.txt", directoryIds.OrderBy(_ => random.Next()).Select(id => $"GET\t/fhir/Organization/{id}\t"));
// The same search on every line: one line per wrk thread at least (each thread takes every T-th line).
WriteLines("search.txt", Enumerable.Repeat($"GET\t/fhir/Observation?subject={patient.FhirUser}&_count=20\t", 64));
WritePrivate(Path.Combine(work, "patient.token"), patient.RequireAccessToken);
WritePrivate(Path.Combine(work, "doctor.token"), doctor.RequireAccessToken);
Say($"seeded in {clock.Elapsed.TotalSeconds:F1} s");
return 0;

async Task WriteTokensAsync(string folder)
{
    var known = JsonSerializer.Deserialize<BenchUsers>(await File.ReadAllTextAsync(Path.Combine(folder, "users.json")), json)
        ?? throw new InvalidOperationException("users.json is empty");
    var at = new SystemEndpoints(new Uri(known.Srs), new Uri(known.Fhir));
    foreach (var user in known.Users)
    {
        using var signedIn = await PhrUser.SignInAsync(at, user.Username, user.Password, user.Role, user.FhirUser);
        WritePrivate(Path.Combine(folder, user.Name + ".token"), signedIn.RequireAccessToken);
    }
}

string? OptionText(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

void WriteLines(string name, IEnumerable<string> lines) =>
    File.WriteAllLines(Path.Combine(work, name), lines, new UTF8Encoding(false));

static string ReadLine(string id) => $"GET\t/fhir/Observation/{id}\t";

// Tokens and passwords: readable by this user only.
static void WritePrivate(string path, string text)
{
    File.WriteAllText(path, "");
    if (!OperatingSystem.IsWindows())
    {
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    File.WriteAllText(path, text, new UTF8Encoding(false));
}

static int CfragCount(Resource? resource) => resource is DomainResource domain
    ? EncryptedSectionExtension.ReadAll(domain).Sum(s => s.CapsuleFragments.Count)
    : 0;

static string Snippet(string body) => body.Length > 400 ? body[..400] : body;

static void Say(string message) => Console.Error.WriteLine("access-data: " + message);

static Observation NewObservation(int i, ResourceReference subject, DateTimeOffset effective) => new()
{
    Id = Guid.CreateVersion7().ToString(),
    Status = ObservationStatus.Final,
    Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs", "Vital Signs")],
    Code = new CodeableConcept("http://loinc.org", "8867-4", "Heart rate"),
    Subject = subject,
    Effective = new FhirDateTime(effective),
    Issued = effective.AddMinutes(5),
    Value = new Quantity(50 + (i % 60), "/min"),
    Note = [new Annotation { Text = new Markdown("Measured at rest, heart rate within the usual range for this patient.") }],
};

internal sealed record BenchUser(string Name, string Username, string Password, string Role, string FhirUser);

internal sealed record BenchUsers(string Srs, string Fhir, IReadOnlyList<BenchUser> Users);
