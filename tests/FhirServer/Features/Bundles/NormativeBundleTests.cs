using SeSPHR.FhirServer.Tests.Infrastructure;
using static SeSPHR.FhirServer.Tests.Features.Bundles.BundleTestSupport;

namespace SeSPHR.FhirServer.Tests.Features.Bundles;

/// <summary>
/// Example Bundles the Microsoft FHIR server's tests expect to succeed (shared/data/fhir-examples/normative),
/// those that need nothing this server leaves out (operations in Bundles, data loaded beforehand).
/// </summary>
public sealed class NormativeBundleTests(PlainFhirServerFixture server) : IClassFixture<PlainFhirServerFixture>
{
    [Theory]
    [InlineData("Bundle-TransactionWithPOSTFullUrlMatchesWithPUTRequestUrl.json", "transaction-response")]
    [InlineData("Bundle-TransactionWithAllValidRoutes.json", "transaction-response")]
    [InlineData("Bundle-TransactionWithMetaHistory.json", "transaction-response")]
    [InlineData("Bundle-BinaryPatch.json", "batch-response")]
    [InlineData("Bundle-FhirPatch.json", "batch-response")]
    public async Task Given_a_normative_bundle_When_posted_Then_every_entry_succeeds(string file, string responseType)
    {
        var bundle = await File.ReadAllTextAsync(SharedData("fhir-examples", "normative", file));

        var entries = await server.Client.PostBundleOkAsync(bundle, responseType);

        entries.ShouldNotBeEmpty();
        entries.ShouldAllBe(entry => entry.Status().StartsWith('2'));
    }
}
