using System.Net;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.FhirServer.Features.Access.Consents;
using SeSPHR.FhirServer.Tests.Features.Access.Consents;
using SeSPHR.FhirServer.Tests.Infrastructure;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;
using static SeSPHR.FhirServer.Tests.Features.Access.Consents.ConsentBuilder;

namespace SeSPHR.FhirServer.Tests.Features.Access.Enforcement;

/// <summary>
/// Two patients' sealed records, written by the patients themselves through the API, and the
/// Consents of the first one:
/// <list type="bullet">
/// <item>the doctor reads medical and vitals, except <c>Observation/m2</c> (a resource-level deny), and writes medical;</item>
/// <item>the family member reads vitals;</item>
/// <item>the insurer reads insurance through a role grant to insurers that approved them; an
/// insurer the patient did not approve (the stranger) gets nothing;</item>
/// <item>the pharmacist and the other patient get nothing.</item>
/// </list>
/// Vital and non-vital observations are written interleaved, so every page mixes permitted and withheld rows.
/// </summary>
public class AccessData : AccessServerFixture
{
    public const string Pat = "Patient/pat";
    public const string Other = "Patient/other";

    private readonly SectionKeys _keys = SectionKeys.FromMasterSecret(Enumerable.Repeat((byte)7, 32).ToArray());
    private readonly FhirJsonSerializer _json = new();

    public static TestUser Alice { get; } = UserOf(People.Patient);
    public static TestUser Bob { get; } = UserOf(People.OtherPatient);
    public static TestUser Doctor { get; } = UserOf(People.Doctor);
    public static TestUser Family { get; } = UserOf(People.Family);
    public static TestUser Insurer { get; } = UserOf(People.Insurer);
    public static TestUser Pharmacist { get; } = UserOf(People.Pharmacist);
    public static TestUser Admin { get; } = UserOf(People.Admin);

    /// <summary>An insurer who registered with the role but whom Alice never approved.</summary>
    public static TestUser StrangerInsurer { get; } = UserOf(People.Insurer with { UserId = "u-ins-stranger", FhirUser = "Organization/ins-stranger", KeyFingerprint = People.Key(77) });

    /// <summary>The user a test case names: alice, bob, doctor, family, insurer, pharmacist, admin or stranger (an unapproved insurer).</summary>
    public static TestUser UserNamed(string name) => name switch
    {
        "alice" => Alice,
        "bob" => Bob,
        "doctor" => Doctor,
        "family" => Family,
        "insurer" => Insurer,
        "pharmacist" => Pharmacist,
        "admin" => Admin,
        "stranger" => StrangerInsurer,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    public static IReadOnlyList<string> VitalIds { get; } = [.. Enumerable.Range(1, 7).Select(i => $"v{i}")];
    public static IReadOnlyList<string> LabIds { get; } = [.. Enumerable.Range(1, 6).Select(i => $"m{i}")];
    public static IReadOnlyList<string> OtherIds { get; } = ["o1", "o2", "o3"];

    /// <summary>Keys of every resource written, to tell what must never show for whom.</summary>
    public HashSet<string> Written { get; } = [];

    public static TestUser UserOf(Caller caller) => new(
        caller.UserId, caller.Role.ToCode(), caller.FhirUser, Convert.ToHexStringLower(caller.KeyFingerprint!.ToBytes()));

    public override async System.Threading.Tasks.Task InitializeAsync()
    {
        await base.InitializeAsync();
        using var alice = As(Alice);
        using var bob = As(Bob);
        await PutAsync(alice, Seal(new Patient { Id = "pat", Active = true, Name = [new HumanName { Family = "Liddell", Given = ["Alice"] }], BirthDate = "1990-01-01" }));
        await PutAsync(bob, SealAs(Bob, new Patient { Id = "other", Active = true, Name = [new HumanName { Family = "Builder", Given = ["Bob"] }] }));
        for (var i = 0; i < 7; i++)
        {
            await PutAsync(alice, Seal(Vital(VitalIds[i], Pat, 60 + i)));
            if (i < LabIds.Count)
            {
                await PutAsync(alice, Seal(Lab(LabIds[i], Pat, i)));
            }

            if (i < OtherIds.Count)
            {
                await PutAsync(bob, SealAs(Bob, i == 2 ? Lab(OtherIds[i], Other, i) : Vital(OtherIds[i], Other, 70 + i)));
            }
        }

        for (var i = 1; i <= 3; i++)
        {
            await PutAsync(alice, Seal(new Condition { Id = $"c{i}", Subject = new ResourceReference(Pat), Code = new CodeableConcept("http://snomed.info/sct", "38341003") }));
            await PutAsync(alice, Seal(new Coverage
            {
                Id = $"cov{i}",
                Status = FinancialResourceStatusCodes.Active,
                Beneficiary = new ResourceReference(Pat),
                Payor = [new ResourceReference("Organization/ins")],
            }));
        }

        await PutAsync(alice, Seal(new MedicationRequest
        {
            Id = "rx1",
            Status = MedicationRequest.MedicationrequestStatus.Active,
            Intent = MedicationRequest.MedicationRequestIntent.Order,
            Subject = new ResourceReference(Pat),
            Medication = new CodeableConcept("http://www.nlm.nih.gov/research/umls/rxnorm", "197361"),
        }));

        // Second versions and deletions, so history has more than one version and tombstones.
        await PutAsync(alice, Seal(Vital("v1", Pat, 99)));
        await PutAsync(alice, Seal(Lab("m1", Pat, 99)));
        (await alice.DeleteAsync("/fhir/Observation/v7")).IsSuccessStatusCode.ShouldBeTrue();
        (await alice.DeleteAsync("/fhir/Observation/m6")).IsSuccessStatusCode.ShouldBeTrue();

        await PutAsync(alice, ConsentOf(Pat,
            Permit(People.Doctor).Reads().Sections(PhrSection.Medical, PhrSection.Vitals)
                .Except(Deny(People.Doctor).Resources("Observation/m2"))).With(c => c.Id = "c-doc"));
        await PutAsync(alice, ConsentOf(Pat,
            Permit(People.Doctor).Actions(ConsentCodings.Collect, ConsentCodings.Correct).Sections(PhrSection.Medical)).With(c => c.Id = "c-doc-write"));
        await PutAsync(alice, ConsentOf(Pat, Permit(People.Family).Reads().Sections(PhrSection.Vitals)).With(c => c.Id = "c-fam"));
        await PutAsync(alice, ConsentOf(Pat, PermitRole(UserRole.Insurer).Reads().Sections(PhrSection.Insurance)
            .With(p => p.Actor.Add(Actor(People.Insurer)))).With(c => c.Id = "c-ins"));
        ResetFakes();
    }

    /// <summary>Sealed to Alice's section keys and signed by Alice, as her client writes her record.</summary>
    public Resource Seal(Resource resource) => SealAs(Alice, resource);

    /// <summary>Sealed to Alice's section keys (public) and signed by <paramref name="writer"/>'s own keys.</summary>
    public Resource SealAs(TestUser writer, Resource resource)
    {
        var keys = People.KeysOf(writer.Subject);
        return SectionSealer.Seal((Resource)resource.DeepCopy(), section => new SectionKey(1, _keys.PublicKey(section.ToCode(), 1)), keys.Signer, keys.Umbral.PublicKey);
    }

    public async System.Threading.Tasks.Task PutAsync(HttpClient client, Resource resource)
    {
        var response = await client.PutAsync($"/fhir/{resource.TypeName}/{resource.Id}", FhirHttp.Json(_json.SerializeToString(resource)));
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"PUT {resource.TypeName}/{resource.Id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        Written.Add($"{resource.TypeName}/{resource.Id}");
    }

    public Task<HttpResponseMessage> TryPutAsync(HttpClient client, Resource resource) =>
        client.PutAsync($"/fhir/{resource.TypeName}/{resource.Id}", FhirHttp.Json(_json.SerializeToString(resource)));

    public static Observation Vital(string id, string patient, int rate) => new()
    {
        Id = id,
        Status = ObservationStatus.Final,
        Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")],
        Code = new CodeableConcept("http://loinc.org", "8867-4"),
        Subject = new ResourceReference(patient),
        Effective = new FhirDateTime("2026-03-01T10:00:00Z"),
        Value = new Quantity(rate, "/min", "http://unitsofmeasure.org"),
    };

    public static Observation Lab(string id, string patient, int value) => new()
    {
        Id = id,
        Status = ObservationStatus.Final,
        Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory")],
        Code = new CodeableConcept("http://loinc.org", "2345-7"),
        Subject = new ResourceReference(patient),
        Effective = new FhirDateTime("2026-03-01T10:00:00Z"),
        Value = new Quantity(90 + value, "mg/dL", "http://unitsofmeasure.org"),
    };

    /// <summary>Follows <c>next</c> links from <paramref name="url"/>: every entry of every page, and each page's total.</summary>
    public static async Task<(List<(string Key, string Mode, JsonElement Entry)> Entries, List<long?> Totals, int Pages)> AllPagesAsync(HttpClient client, string url)
    {
        var entries = new List<(string, string, JsonElement)>();
        var totals = new List<long?>();
        var pages = 0;
        string? next = url;
        while (next is not null)
        {
            var response = await client.GetAsync(next);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            var bundle = await response.BodyAsync();
            pages++;
            totals.Add(bundle.TryGetProperty("total", out var total) ? total.GetInt64() : null);
            if (bundle.TryGetProperty("entry", out var list))
            {
                foreach (var entry in list.EnumerateArray())
                {
                    var mode = entry.TryGetProperty("search", out var search) ? search.GetProperty("mode").GetString()! : "history";
                    var key = entry.TryGetProperty("resource", out var resource)
                        ? $"{resource.GetProperty("resourceType").GetString()}/{resource.GetProperty("id").GetString()}"
                        : new Uri(entry.GetProperty("request").GetProperty("url").GetString()!, UriKind.RelativeOrAbsolute).ToString();
                    entries.Add((key, mode, entry));
                }
            }

            next = bundle.GetProperty("link").EnumerateArray()
                .Where(l => l.GetProperty("relation").GetString() == "next")
                .Select(l => l.GetProperty("url").GetString())
                .FirstOrDefault();
            pages.ShouldBeLessThan(100);
        }

        return (entries, totals, pages);
    }
}
