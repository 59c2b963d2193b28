using SeSPHR.FhirServer.Tests.Infrastructure;
using static SeSPHR.FhirServer.Tests.Features.Bundles.BundleTestSupport;

namespace SeSPHR.FhirServer.Tests.Features.Bundles;

/// <summary>Example Bundles from the Microsoft FHIR server's tests, as they are.</summary>
public sealed class SampleBundleTests(FhirServerFixture server) : IClassFixture<FhirServerFixture>
{
    private HttpClient Client => server.Client;

    /// <summary>
    /// Refused by Microsoft's server, accepted here: the conditional create finds the Patient the
    /// conditional update of the same transaction writes (README, conditions inside a transaction).
    /// </summary>
    private const string ConditionalCreateFindingTheUpdate = "Bundle-TransactionWithConditionalReferenceReferringToSameResource.json";

    /// <summary>shared/data/fhir-examples/negative/Bundle-*.json but one, and the Bundle that is not even JSON.</summary>
    public static TheoryData<string> NegativeExamples
    {
        get
        {
            var data = new TheoryData<string>();
            var folder = SharedData("fhir-examples", "negative");
            foreach (var file in Directory.GetFiles(folder, "Bundle-*.json").Order(StringComparer.Ordinal).Where(f => Path.GetFileName(f) != ConditionalCreateFindingTheUpdate))
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

    [Fact]
    public async Task Given_the_example_whose_conditional_create_matches_its_conditional_update_When_posted_Then_one_Patient_answers_both()
    {
        var bundle = await File.ReadAllTextAsync(SharedData("fhir-examples", "negative", ConditionalCreateFindingTheUpdate));
        // Another run's Patient with the identifier would make the update's condition match it instead.
        var identifier = Guid.NewGuid().ToString("N");
        bundle = bundle.Replace("234234", identifier, StringComparison.Ordinal);

        var entries = await Client.PostBundleOkAsync(bundle, "transaction-response");

        entries.Select(e => e.Status()).ShouldBe(["201 Created", "200 OK"]);
        entries[1].TypeAndId().ShouldBe(entries[0].TypeAndId());
        (await Client.CountAsync($"Patient?identifier=http:/example.org/fhir/ids|{identifier}")).ShouldBe(1);
        (await Client.CountAsync("Patient?identifier=http:/example.org/fhir/ids|234259")).ShouldBe(0);
    }
}
