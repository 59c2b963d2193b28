using System.Net;
using System.Text.Json;
using SeSPHR.FhirServer.Search;
using SeSPHR.FhirServer.Tests.Features.Bundles;
using SeSPHR.FhirServer.Tests.Infrastructure;

namespace SeSPHR.FhirServer.Tests.Features.Resources;

/// <summary>
/// Bundle.total on a record larger than <see cref="SearchLimits.CountedByDefault"/>: a plain search
/// pages without counting every match, <c>_total=accurate</c> and <c>_summary=count</c> stay exact.
/// </summary>
public sealed class LargeResultTotalTests(LargeResultTotalTests.Data data) : IClassFixture<LargeResultTotalTests.Data>
{
    public const int Observations = SearchLimits.CountedByDefault + 5;

    public sealed class Data : IAsyncLifetime
    {
        private readonly ProtectedFhirServerFixture _server = new();

        public HttpClient Client => _server.Client;

        public string PatientId { get; } = "big-" + Guid.NewGuid().ToString("N")[..10];

        public async Task InitializeAsync()
        {
            await _server.InitializeAsync();
            var patient = $$"""{"resourceType":"Patient","id":"{{PatientId}}","active":true}""";
            await Client.PostBundleOkAsync(BundleTestSupport.Bundle("transaction", BundleTestSupport.Put(null, patient)), "transaction-response");
            foreach (var chunk in Enumerable.Range(1, Observations).Chunk(250))
            {
                var entries = chunk.Select(n => BundleTestSupport.Put(null, $$$"""
                    {"resourceType":"Observation","id":"o{{{n}}}-{{{PatientId}}}","status":"final",
                     "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
                     "code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},
                     "effectiveDateTime":"2020-01-15T10:00:00Z",
                     "subject":{"reference":"Patient/{{{PatientId}}}"}}
                    """)).ToArray();
                await Client.PostBundleOkAsync(BundleTestSupport.Bundle("transaction", entries), "transaction-response");
            }
        }

        public async Task DisposeAsync() => await _server.DisposeAsync();
    }

    private async Task<JsonElement> SearchAsync(string query)
    {
        var response = await data.Client.GetAsync("/fhir/" + query);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.BodyAsync();
    }

    private static bool HasNext(JsonElement bundle) =>
        bundle.GetProperty("link").EnumerateArray().Any(l => l.GetProperty("relation").GetString() == "next");

    [Theory]
    [InlineData("")]
    [InlineData("&_total=estimate")]
    public async Task A_plain_search_of_a_large_record_pages_without_a_total(string total)
    {
        var bundle = await SearchAsync($"Observation?subject=Patient/{data.PatientId}&_count=20{total}");
        bundle.TryGetProperty("total", out _).ShouldBeFalse();
        bundle.GetProperty("entry").GetArrayLength().ShouldBe(20);
        HasNext(bundle).ShouldBeTrue();
    }

    [Fact]
    public async Task Total_accurate_counts_every_match_on_every_page()
    {
        var first = await SearchAsync($"Observation?subject=Patient/{data.PatientId}&_count=20&_total=accurate");
        first.GetProperty("total").GetInt64().ShouldBe(Observations);
        var next = first.GetProperty("link").EnumerateArray().First(l => l.GetProperty("relation").GetString() == "next").GetProperty("url").GetString()!;
        var second = await data.Client.GetAsync(new Uri(next).PathAndQuery);
        (await second.BodyAsync()).GetProperty("total").GetInt64().ShouldBe(Observations);
    }

    [Fact]
    public async Task Summary_count_is_exact()
    {
        var bundle = await SearchAsync($"Observation?subject=Patient/{data.PatientId}&_summary=count");
        bundle.GetProperty("total").GetInt64().ShouldBe(Observations);
    }

    [Fact]
    public async Task A_search_with_few_matches_still_gets_its_total_without_asking()
    {
        var bundle = await SearchAsync($"Observation?_id=o1-{data.PatientId},o2-{data.PatientId},o3-{data.PatientId}&_count=2");
        bundle.GetProperty("total").GetInt64().ShouldBe(3);
        HasNext(bundle).ShouldBeTrue();
    }
}
