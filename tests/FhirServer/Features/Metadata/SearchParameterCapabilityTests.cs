using System.Net;
using SeSPHR.FhirServer.Tests.Infrastructure;

namespace SeSPHR.FhirServer.Tests.Features.Metadata;

/// <summary>
/// The search parameters the CapabilityStatement advertises are exactly those the search router
/// accepts, in both configurations: each advertised one is served under strict handling, and the
/// standard parameters it leaves out are refused.
/// </summary>
public sealed class SearchParameterCapabilityTests(PlainFhirServerFixture plain, ProtectedFhirServerFixture protectedServer)
    : IClassFixture<PlainFhirServerFixture>, IClassFixture<ProtectedFhirServerFixture>
{
    [Fact]
    public Task Given_the_plain_configuration_Then_advertised_and_served_search_parameters_agree() => AgreeAsync(plain.Client);

    [Fact]
    public Task Given_the_protected_configuration_Then_advertised_and_served_search_parameters_agree() => AgreeAsync(protectedServer.Client);

    [Fact]
    public async Task Given_the_protected_configuration_Then_it_advertises_fewer_parameters_than_the_plain_one()
    {
        var plainCount = (await AdvertisedAsync(plain.Client)).Sum(t => t.Value.Count);
        var protectedCount = (await AdvertisedAsync(protectedServer.Client)).Sum(t => t.Value.Count);

        protectedCount.ShouldBeLessThan(plainCount);
        (await AdvertisedAsync(protectedServer.Client))["Patient"].ShouldNotContain("name");
        (await AdvertisedAsync(plain.Client))["Patient"].ShouldContain("name");
    }

    private static async Task AgreeAsync(HttpClient client)
    {
        var advertised = await AdvertisedAsync(client);
        foreach (var (type, parameters) in advertised)
        {
            foreach (var (name, kind) in parameters.Select(p => (p, Kind(type, p))))
            {
                var response = await StrictAsync(client, $"/fhir/{type}?{name}{Sample(kind)}&_count=1");
                response.StatusCode.ShouldBe(HttpStatusCode.OK, $"{type}?{name}: {await response.Content.ReadAsStringAsync()}");
            }

            var standard = Hl7.Fhir.Model.ModelInfo.SearchParameters
                .Where(d => d.Resource == type && d.Name is not null && !parameters.Contains(d.Name))
                .Select(d => d.Name!)
                .Take(5);
            foreach (var name in standard)
            {
                (await StrictAsync(client, $"/fhir/{type}?{name}=x")).StatusCode.ShouldBe(HttpStatusCode.BadRequest, $"{type}?{name}");
            }
        }

        string Kind(string type, string name) => AdvertisedKinds[(type, name)];
    }

    private static readonly Dictionary<(string, string), string> AdvertisedKinds = [];

    private static string Sample(string kind) => kind switch
    {
        "date" => "=ge2000-01-01",
        "reference" => "=Patient/x",
        "string" => "=a",
        _ => "=x",
    };

    private static async Task<HttpResponseMessage> StrictAsync(HttpClient client, string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("Prefer", "handling=strict");
        return await client.SendAsync(request);
    }

    private static async Task<Dictionary<string, HashSet<string>>> AdvertisedAsync(HttpClient client)
    {
        var body = await (await client.GetAsync("/fhir/metadata")).BodyAsync();
        var result = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var resource in body.GetProperty("rest")[0].GetProperty("resource").EnumerateArray())
        {
            var type = resource.GetProperty("type").GetString()!;
            var names = new HashSet<string>(StringComparer.Ordinal);
            if (resource.TryGetProperty("searchParam", out var parameters))
            {
                foreach (var parameter in parameters.EnumerateArray())
                {
                    var name = parameter.GetProperty("name").GetString()!;
                    names.Add(name);
                    lock (AdvertisedKinds)
                    {
                        AdvertisedKinds[(type, name)] = parameter.GetProperty("type").GetString()!;
                    }
                }
            }

            result[type] = names;
        }

        return result;
    }
}
