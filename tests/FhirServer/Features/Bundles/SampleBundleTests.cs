using SeSPHR.FhirServer.Tests.Infrastructure;
using static SeSPHR.FhirServer.Tests.Features.Bundles.BundleTestSupport;

namespace SeSPHR.FhirServer.Tests.Features.Bundles;

/// <summary>Example Bundles from the Microsoft FHIR server's tests, as they are.</summary>
public sealed class SampleBundleTests(FhirServerFixture server) : IClassFixture<FhirServerFixture>
{
    private HttpClient Client => server.Client;

    /// <summary>shared/data/fhir-examples/negative/Bundle-*.json, and the Bundle that is not even JSON.</summary>
    public static TheoryData<string> NegativeExamples
    {
        get
        {
            var data = new TheoryData<string>();
            var folder = SharedData("fhir-examples", "negative");
            foreach (var file in Directory.GetFiles(folder, "Bundle-*.json").Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetFileName(file));
            }

            data.Add(Path.Combine("malformed-json", "Bundle-TransactionWithInvalidBundleEntry.json"));
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(NegativeExamples))]
    public async Task Given_a_refused_example_bundle_When_posted_Then_a_4xx_OperationOutcome_and_nothing_is_stored(string file)
    {
        var bundle = await File.ReadAllTextAsync(SharedData("fhir-examples", "negative", file));
        var before = await server.Database.ScalarAsync<long>("SELECT count(*) FROM fhir.mt_doc_storedresourceversion");

        var response = await Client.PostBundleAsync(bundle);

        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBeInRange(400, 499, text);
        (await response.OutcomeCodeAsync()).ShouldNotBeNullOrEmpty();
        (await server.Database.ScalarAsync<long>("SELECT count(*) FROM fhir.mt_doc_storedresourceversion")).ShouldBe(before);
    }
}
