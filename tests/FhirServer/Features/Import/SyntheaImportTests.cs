using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Umbral;
using SeSPHR.FhirServer.Tests.Infrastructure;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;
using static SeSPHR.FhirServer.Tests.Features.Bundles.BundleTestSupport;

namespace SeSPHR.FhirServer.Tests.Features.Import;

/// <summary>
/// Every Synthea patient, loaded twice through transaction Bundles: as it is into the plain
/// configuration, and split and sealed by the PHR library (PUT entries with client ids) into the
/// protected one. Searches on clear elements then find what the source holds, and every resource
/// read back and opened with the patient's keys equals its source.
/// </summary>
public sealed class SyntheaImportTests(PlainFhirServerFixture plain, ProtectedFhirServerFixture protectedServer)
    : IClassFixture<PlainFhirServerFixture>, IClassFixture<ProtectedFhirServerFixture>
{
    private static readonly FhirJsonDeserializer Parser = new(new DeserializerSettings().UsingMode(DeserializationMode.Recoverable));
    private static readonly FhirJsonSerializer Serializer = new();

    /// <summary>Types whose resources point at the patient by a clear <c>subject</c> or <c>patient</c> search parameter.</summary>
    private static readonly (string Type, string Parameter)[] PatientLinks =
    [
        ("Observation", "subject"), ("Encounter", "subject"), ("Condition", "subject"), ("Procedure", "subject"),
        ("Immunization", "patient"), ("MedicationRequest", "subject"), ("DiagnosticReport", "subject"), ("CarePlan", "subject"),
        ("AllergyIntolerance", "patient"), ("Claim", "patient"), ("ExplanationOfBenefit", "patient"), ("Goal", "subject"),
        ("ImagingStudy", "subject"),
    ];

    public static TheoryData<string> Bundles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(SharedData("synthea", "bundles"), "*.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Bundles))]
    public async System.Threading.Tasks.Task Given_a_synthea_bundle_When_posted_as_is_to_the_plain_server_Then_searches_count_what_the_source_holds(string file)
    {
        var bundle = Parser.Deserialize<Hl7.Fhir.Model.Bundle>(await File.ReadAllTextAsync(SharedData("synthea", "bundles", file)));

        var entries = await plain.Client.PostBundleOkAsync(Serializer.SerializeToString(bundle), "transaction-response", "return=minimal");

        entries.Count.ShouldBe(bundle.Entry.Count);
        var patient = entries[bundle.Entry.FindIndex(e => e.Resource is Patient)].TypeAndId();
        await CountsMatchAsync(plain.Client, bundle, patient);
    }

    [Theory]
    [MemberData(nameof(Bundles))]
    public async System.Threading.Tasks.Task Given_a_synthea_bundle_When_sealed_and_put_to_the_protected_server_Then_searches_count_and_every_resource_opens_to_its_source(string file)
    {
        var bundle = Parser.Deserialize<Hl7.Fhir.Model.Bundle>(await File.ReadAllTextAsync(SharedData("synthea", "bundles", file)));
        var sources = WithClientIds(bundle);
        using var keys = SectionKeys.FromMasterSecret(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var patientSigner = new Signer(SecretKey.Random());
        var transaction = new Hl7.Fhir.Model.Bundle { Type = Hl7.Fhir.Model.Bundle.BundleType.Transaction };
        foreach (var source in sources)
        {
            var sealedResource = SectionSealer.Seal((Resource)source.DeepCopy(), s => new SectionKey(1, keys.PublicKey(s.ToCode(), 1)), patientSigner);
            transaction.Entry.Add(new Hl7.Fhir.Model.Bundle.EntryComponent
            {
                Resource = sealedResource,
                Request = new Hl7.Fhir.Model.Bundle.RequestComponent { Method = Hl7.Fhir.Model.Bundle.HTTPVerb.PUT, Url = $"{source.TypeName}/{source.Id}" },
            });
        }

        var entries = await protectedServer.Client.PostBundleOkAsync(Serializer.SerializeToString(transaction), "transaction-response", "return=minimal");

        entries.Count.ShouldBe(sources.Count);
        entries.ShouldAllBe(e => e.Status() == "201 Created");
        var patient = sources.OfType<Patient>().Single();
        await CountsMatchAsync(protectedServer.Client, bundle, $"Patient/{patient.Id}");
        foreach (var source in sources)
        {
            var stored = Parser.DeserializeResource(await (await protectedServer.Client.GetAsync($"/fhir/{source.TypeName}/{source.Id}")).Content.ReadAsStringAsync());
            var opened = SectionSealer.Open(
                stored,
                e => EnvelopeRecipient.Owner(keys.SecretKey(e.Section.ToCode(), e.Epoch)),
                (_, writer) => writer.Equals(patientSigner.VerifyingKey));
            WithoutServerMeta(opened).IsExactly(WithoutServerMeta(source)).ShouldBeTrue($"{source.TypeName}/{source.Id} differs after the round trip");
        }
    }

    private static async System.Threading.Tasks.Task CountsMatchAsync(HttpClient client, Hl7.Fhir.Model.Bundle source, string patient)
    {
        foreach (var (type, parameter) in PatientLinks)
        {
            var expected = source.Entry.Count(e => e.Resource?.TypeName == type);
            (await client.CountAsync($"{type}?{parameter}={patient}")).ShouldBe(expected, $"{type}?{parameter}");
        }

        var vitals = source.Entry.Select(e => e.Resource).OfType<Observation>()
            .Count(o => o.Category.Any(c => c.Coding.Any(x => x.Code == "vital-signs")));
        (await client.CountAsync($"Observation?subject={patient}&category=vital-signs")).ShouldBe(vitals);
        var finished = source.Entry.Select(e => e.Resource).OfType<Encounter>().Count(e => e.Status == Encounter.EncounterStatus.Finished);
        (await client.CountAsync($"Encounter?subject={patient}&status=finished")).ShouldBe(finished);
        var first = source.Entry.Select(e => e.Resource).OfType<Encounter>().Min(e => e.Period?.Start);
        (await client.CountAsync($"Encounter?subject={patient}&date=le{Uri.EscapeDataString(first!)}")).ShouldBeGreaterThanOrEqualTo(1);
    }

    /// <summary>
    /// What a client does before sealing: give every entry its own id and write the references
    /// between entries as <c>Type/id</c>, since envelopes are bound to ids and to the subject reference.
    /// </summary>
    private static List<Resource> WithClientIds(Hl7.Fhir.Model.Bundle bundle)
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        var resources = bundle.Entry.Select(e => e.Resource).OfType<Resource>().ToList();
        foreach (var entry in bundle.Entry)
        {
            entry.Resource!.Id = Guid.NewGuid().ToString();
            ids[entry.FullUrl!] = $"{entry.Resource.TypeName}/{entry.Resource.Id}";
        }

        foreach (var resource in resources)
        {
            foreach (var reference in resource.Select("descendants()").OfType<ResourceReference>())
            {
                if (reference.Reference is { } target && ids.TryGetValue(target, out var local))
                {
                    reference.Reference = local;
                }
            }
        }

        return resources;
    }

    private static Resource WithoutServerMeta(Resource resource)
    {
        var copy = (Resource)resource.DeepCopy();
        if (copy.Meta is { } meta)
        {
            meta.VersionId = null;
            meta.LastUpdated = null;
            if (!meta.EnumerateElements().Any())
            {
                copy.Meta = null;
            }
        }

        return copy;
    }
}
