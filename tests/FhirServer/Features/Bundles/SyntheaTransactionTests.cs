using System.Diagnostics;
using System.Text.Json;
using SeSPHR.FhirServer.Tests.Infrastructure;
using Xunit.Abstractions;
using static SeSPHR.FhirServer.Tests.Features.Bundles.BundleTestSupport;

namespace SeSPHR.FhirServer.Tests.Features.Bundles;

/// <summary>A Synthea patient (shared/data/synthea/bundles) loaded as the transaction it is, into a database of its own.</summary>
public sealed class SyntheaTransactionTests(PlainFhirServerFixture server, ITestOutputHelper output) : IClassFixture<PlainFhirServerFixture>
{
    private HttpClient Client => server.Client;

    [Fact]
    public async Task Given_a_synthea_patient_bundle_When_posted_as_a_transaction_Then_every_resource_is_stored_and_linked()
    {
        var path = SharedData("synthea", "bundles", "Louis_Erdman_55bbe118-e08d-4408-86e5-6084457500d4.json");
        var bundle = await File.ReadAllTextAsync(path);
        using var source = JsonDocument.Parse(bundle);
        var expected = source.RootElement.GetProperty("entry").EnumerateArray()
            .GroupBy(e => e.GetProperty("resource").GetProperty("resourceType").GetString()!)
            .ToDictionary(g => g.Key, g => (long)g.Count());

        var clock = Stopwatch.StartNew();
        var entries = await Client.PostBundleOkAsync(bundle, "transaction-response", "return=minimal");
        output.WriteLine($"{entries.Count} resources in {clock.ElapsedMilliseconds} ms");

        entries.Count.ShouldBe(source.RootElement.GetProperty("entry").GetArrayLength());
        entries.ShouldAllBe(e => e.Status() == "201 Created");
        var patient = entries[0].TypeAndId();
        patient.ShouldStartWith("Patient/");
        foreach (var (type, count) in expected)
        {
            (await Client.CountAsync(type)).ShouldBe(count, type);
        }

        (await Client.CountAsync($"Observation?subject={patient}")).ShouldBe(expected["Observation"]);
        (await Client.CountAsync($"Encounter?subject={patient}")).ShouldBe(expected["Encounter"]);
        var stored = await server.Database.ScalarAsync<long>("SELECT count(*) FROM fhir.mt_doc_storedresource WHERE data->>'Json' LIKE '%urn:uuid:%'");
        stored.ShouldBe(0);
        var eob = await server.Database.ScalarAsync<string>(
            "SELECT data->>'Json' FROM fhir.mt_doc_storedresource WHERE data->>'ResourceType' = 'ExplanationOfBenefit' LIMIT 1");
        using var eobJson = JsonDocument.Parse(eob!);
        eobJson.RootElement.GetProperty("contained").GetArrayLength().ShouldBeGreaterThan(0);
        eobJson.RootElement.GetProperty("insurance")[0].GetProperty("coverage").GetProperty("reference").GetString().ShouldStartWith("#");
        eobJson.RootElement.GetProperty("patient").GetProperty("reference").GetString().ShouldBe(patient);
    }
}
