// Writes the request files of one configuration of the load run (benchmarks/load/run.sh).
//
//   SeSPHR.LoadData <out dir> plain|protected [--patients N] [--per-patient N] [--sealed N] [--seed N] [--steps N,M,...] [--preload-sealed]
//
// Request files hold one request a line, "METHOD<TAB>path<TAB>body", which requests.lua cycles
// through. In the plain configuration the Observations are whole vital signs (value, unit,
// interpretation, note); the protected configuration refuses those in clear, so there the
// create, preload and import bodies keep only the clear elements of the section policy, and the
// sealed pool carries the whole Observation sealed by SectionSealer, written with PUT to its own id.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;

if (args.Length < 2 || args[1] is not ("plain" or "protected"))
{
    Console.Error.WriteLine("usage: SeSPHR.LoadData <out dir> plain|protected [--patients N] [--per-patient N] [--sealed N] [--seed N] [--steps N,M,...] [--preload-sealed]");
    return 2;
}

var outDir = args[0];
var isProtected = args[1] == "protected";
var patients = Option("--patients", 2000);
var perPatient = Option("--per-patient", 20);
var sealedCount = isProtected ? Option("--sealed", 0) : 0;
var random = new Random(Option("--seed", 20261125));
var preloadSealed = isProtected && args.Contains("--preload-sealed");
Directory.CreateDirectory(Path.Combine(outDir, "preload"));

var serializer = new FhirJsonSerializer();
var clock = Stopwatch.StartNew();
var start = new DateTimeOffset(2020, 1, 1, 8, 0, 0, TimeSpan.Zero);

// Preload: every patient and its Observations, PUT with known ids in transactions of 100 entries.
var patientIds = Enumerable.Range(0, patients).Select(_ => Guid.CreateVersion7().ToString()).ToArray();
var observationIds = new List<string>(patients * perPatient);
var preload = new List<Resource>(patients * (perPatient + 1));
foreach (var patientId in patientIds)
{
    preload.Add(NewPatient(patientId));
    for (var k = 0; k < perPatient; k++)
    {
        var observation = NewObservation(VitalSignOf(k), $"Patient/{patientId}", start.AddDays(k).AddMinutes(random.Next(0, 600)));
        observation.Id = Guid.CreateVersion7().ToString();
        observationIds.Add(observation.Id);
        preload.Add(isProtected && !preloadSealed ? ClearOnly(observation) : observation);
    }
}

// --preload-sealed (protected): the stored Observations as a patient's client writes them, clear
// part plus signed vitals envelope, so that what the database holds per resource is the real cost.
if (preloadSealed)
{
    using var preloadKeys = SectionKeys.FromMasterSecret(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    using var preloadSigningKey = SecretKey.Random();
    var preloadWriter = new Signer(preloadSigningKey);
    var preloadSectionKeys = Enum.GetValues<PhrSection>().ToDictionary(s => s, s => new SectionKey(1, preloadKeys.PublicKey(s.ToCode(), 1)));
    Parallel.For(0, preload.Count, i =>
    {
        if (preload[i] is Observation observation)
        {
            preload[i] = SectionSealer.Seal(observation, section => preloadSectionKeys[section], preloadWriter);
        }
    });
}

var bundleNumber = 0;
foreach (var chunk in preload.Chunk(100))
{
    var transaction = new Bundle { Type = Bundle.BundleType.Transaction };
    foreach (var resource in chunk)
    {
        transaction.Entry.Add(new Bundle.EntryComponent
        {
            FullUrl = $"urn:uuid:{Guid.NewGuid()}",
            Resource = resource,
            Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"{resource.TypeName}/{resource.Id}" },
        });
    }

    File.WriteAllText(Path.Combine(outDir, "preload", $"{bundleNumber++:D5}.json"), serializer.SerializeToString(transaction));
}

// Read: GET by id over every preloaded Observation, in random order so the cache is not walked in sequence.
WriteLines("read.txt", observationIds.OrderBy(_ => random.Next()).Select(id => $"GET\t/fhir/Observation/{id}\t"));

// Search: the heart rates of one patient, over every patient.
WriteLines("search.txt", patientIds.OrderBy(_ => random.Next()).Select(SearchLine));

// Growth steps (--steps N,M,...): the preload files that hold the first N Observations' patients,
// and reads and searches over those patients only, so each step measures what is stored by then.
var steps = OptionText("--steps")?.Split(',').Select(text => int.Parse(text, CultureInfo.InvariantCulture)).ToList() ?? [];
var stepLines = new List<string>();
foreach (var step in steps)
{
    var stepPatients = Math.Min(patients, (step + perPatient - 1) / perPatient);
    var files = Math.Min(bundleNumber, ((stepPatients * (perPatient + 1)) + 99) / 100);
    stepLines.Add(string.Create(CultureInfo.InvariantCulture, $"{stepPatients * perPatient} {files}"));
    // A sample is enough for wrk to cycle through; the whole list of a million ids is not.
    WriteLines($"read-{step}.txt", observationIds.Take(stepPatients * perPatient).OrderBy(_ => random.Next()).Take(50_000)
        .Select(id => $"GET\t/fhir/Observation/{id}\t"));
    WriteLines($"search-{step}.txt", patientIds.Take(stepPatients).OrderBy(_ => random.Next()).Take(50_000).Select(SearchLine));
}

WriteLines("steps.txt", stepLines);

static string SearchLine(string id) => $"GET\t/fhir/Observation?subject=Patient/{id}&code=http://loinc.org%7C8867-4&_count=20\t";

// Create: 1,000 different bodies for POST (server-assigned ids), cycled.
var createBodies = new List<string>();
string? payloadSample = null;
for (var i = 0; i < 1000; i++)
{
    var observation = NewObservation(VitalSignOf(i), $"Patient/{patientIds[random.Next(patients)]}", start.AddMinutes(random.Next(0, 2_000_000)));
    var json = serializer.SerializeToString(isProtected ? ClearOnly(observation) : observation);
    payloadSample ??= serializer.SerializeToString(observation);
    createBodies.Add($"POST\t/fhir/Observation\t{json}");
}

WriteLines("create.txt", createBodies);
// The whole Observation (value included), as pgbench inserts it: PostgreSQL's own ceiling for a row this size.
File.WriteAllText(Path.Combine(outDir, "payload.json"), payloadSample);

// Import: transaction Bundles of one new Patient and 99 Observations that point at it by urn:uuid,
// all POST, so the same Bundle can be sent again and again.
var imports = new List<string>();
for (var b = 0; b < 20; b++)
{
    var patientUrn = $"urn:uuid:{Guid.NewGuid()}";
    var transaction = new Bundle { Type = Bundle.BundleType.Transaction };
    transaction.Entry.Add(new Bundle.EntryComponent
    {
        FullUrl = patientUrn,
        Resource = NewPatient(null),
        Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Patient" },
    });
    for (var k = 0; k < 99; k++)
    {
        var observation = NewObservation(VitalSignOf(k), patientUrn, start.AddDays(k).AddMinutes(random.Next(0, 600)));
        transaction.Entry.Add(new Bundle.EntryComponent
        {
            FullUrl = $"urn:uuid:{Guid.NewGuid()}",
            Resource = isProtected ? ClearOnly(observation) : observation,
            Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Observation" },
        });
    }

    imports.Add($"POST\t/fhir\t{serializer.SerializeToString(transaction)}");
}

WriteLines("import.txt", imports);

// Sealed pool: whole Observations sealed into their clear part plus a signed vitals envelope,
// each for PUT to its own new id. One patient's keys sign and seal them all: the cost per
// resource is the same whichever patient writes.
if (sealedCount > 0)
{
    using var keys = SectionKeys.FromMasterSecret(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    using var signingKey = SecretKey.Random();
    var writer = new Signer(signingKey);
    var sectionKeys = Enum.GetValues<PhrSection>().ToDictionary(s => s, s => new SectionKey(1, keys.PublicKey(s.ToCode(), 1)));
    var observations = Enumerable.Range(0, sealedCount).Select(i =>
    {
        var observation = NewObservation(VitalSignOf(i), $"Patient/{patientIds[random.Next(patients)]}", start.AddMinutes(random.Next(0, 2_000_000)));
        observation.Id = Guid.CreateVersion7().ToString();
        return observation;
    }).ToArray();
    var lines = new string[sealedCount];
    Parallel.For(0, sealedCount, () => new FhirJsonSerializer(), (i, _, localSerializer) =>
    {
        var sealedObservation = SectionSealer.Seal(observations[i], section => sectionKeys[section], writer);
        lines[i] = $"PUT\t/fhir/Observation/{observations[i].Id}\t{localSerializer.SerializeToString(sealedObservation)}";
        return localSerializer;
    }, _ => { });
    WriteLines("sealed.txt", lines);
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{args[1]}: {patients} patients, {observationIds.Count} observations in {bundleNumber} preload bundles, {sealedCount} sealed, in {clock.Elapsed.TotalSeconds:F1} s"));
return 0;

string? OptionText(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

int Option(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

void WriteLines(string name, IEnumerable<string> lines) =>
    File.WriteAllLines(Path.Combine(outDir, name), lines, new UTF8Encoding(false));

Patient NewPatient(string? id) => new() { Id = id, Active = true };

Observation NewObservation(VitalSign sign, string subject, DateTimeOffset effective)
{
    var value = Math.Round(sign.Low + (random.NextDouble() * (sign.High - sign.Low)), 1);
    return new Observation
    {
        Status = ObservationStatus.Final,
        Category =
        [
            Concept(VitalSigns.CategorySystem, VitalSigns.CategoryCode, "Vital Signs"),
        ],
        Code = Concept(VitalSigns.LoincSystem, sign.Code, sign.Display),
        Subject = new ResourceReference(subject),
        Encounter = new ResourceReference($"Encounter/{Guid.CreateVersion7()}"),
        Effective = new FhirDateTime(effective),
        Issued = effective.AddMinutes(5),
        Value = new Quantity((decimal)value, sign.Unit) { Unit = sign.Unit },
        Interpretation =
        [
            Concept("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "N", "Normal"),
        ],
        Note = [new Annotation { Text = new Markdown($"Measured at rest, {sign.Display.ToLowerInvariant()} within the usual range for this patient.") }],
        Method = Concept("http://snomed.info/sct", "258104002", "Measured (qualifier value)"),
    };
}

static CodeableConcept Concept(string system, string code, string display) => new() { Coding = [new Coding(system, code, display)] };

// The clear part of an Observation under the section policy: what a client may send in clear.
// It shares the elements of its source, which is not changed afterwards.
static Observation ClearOnly(Observation observation) => new()
{
    Id = observation.Id,
    Status = observation.Status,
    Category = observation.Category,
    Code = observation.Code,
    Subject = observation.Subject,
    Encounter = observation.Encounter,
    Effective = observation.Effective,
    Issued = observation.Issued,
};

// Per patient: heart rate 8 of 20, then respiratory rate, body temperature and body weight.
static VitalSign VitalSignOf(int k) => (k % 20) switch
{
    < 8 => new VitalSign("8867-4", "Heart rate", "/min", 50, 110),
    < 12 => new VitalSign("9279-1", "Respiratory rate", "/min", 10, 24),
    < 16 => new VitalSign("8310-5", "Body temperature", "Cel", 36, 38.5),
    _ => new VitalSign("29463-7", "Body weight", "kg", 50, 110),
};

internal sealed record VitalSign(string Code, string Display, string Unit, double Low, double High);
