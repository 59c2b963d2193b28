using System.Net;
using SeSPHR.FhirServer.Features.Resources;
using SeSPHR.FhirServer.Tests.Infrastructure;

namespace SeSPHR.FhirServer.Tests.Features.Metadata;

public sealed class CapabilityStatementTests(FhirServerFixture server) : IClassFixture<FhirServerFixture>
{
    [Fact]
    public async Task Given_no_credentials_When_metadata_is_requested_Then_an_R4_CapabilityStatement_is_returned()
    {
        var response = await server.Client.GetAsync("/fhir/metadata");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.BodyAsync();
        body.GetProperty("resourceType").GetString().ShouldBe("CapabilityStatement");
        body.GetProperty("fhirVersion").GetString().ShouldBe("4.0.1");
        body.GetProperty("kind").GetString().ShouldBe("instance");
    }

    [Fact]
    public async Task Given_the_registry_Then_the_CapabilityStatement_lists_exactly_its_types_and_interactions()
    {
        var body = await (await server.Client.GetAsync("/fhir/metadata")).BodyAsync();

        var advertised = body.GetProperty("rest")[0].GetProperty("resource").EnumerateArray()
            .SelectMany(r => r.GetProperty("interaction").EnumerateArray()
                .Select(i => $"{r.GetProperty("type").GetString()}:{i.GetProperty("code").GetString()}"))
            .Order()
            .ToList();
        var registered = ResourceRegistry.Default.ResourceTypes
            .SelectMany(t => ResourceRegistry.Default.InteractionsOf(t).Select(i => $"{t}:{Code(i)}"))
            .Order()
            .ToList();

        advertised.ShouldBe(registered);
    }

    [Fact]
    public async Task Given_each_advertised_interaction_Then_the_router_serves_it_and_refuses_what_is_not_advertised()
    {
        var body = await (await server.Client.GetAsync("/fhir/metadata")).BodyAsync();

        foreach (var resource in body.GetProperty("rest")[0].GetProperty("resource").EnumerateArray())
        {
            var type = resource.GetProperty("type").GetString()!;
            var codes = resource.GetProperty("interaction").EnumerateArray().Select(i => i.GetProperty("code").GetString()).ToHashSet();

            var create = await server.Client.PostAsync($"/fhir/{type}", FhirHttp.Json($$"""{"resourceType":"{{type}}"}"""));
            var read = await server.Client.GetAsync($"/fhir/{type}/unknown-id");

            ((int)create.StatusCode).ShouldNotBe(405, type);
            if (codes.Contains("create"))
            {
                ((int)create.StatusCode).ShouldBeOneOf(201, 400, 422);
            }

            codes.Contains("read").ShouldBeTrue();
            read.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        }

        (await server.Client.PostAsync("/fhir/Patient/x", FhirHttp.Json("{}"))).StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed);
        (await server.Client.GetAsync("/fhir/Medication/x")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    private static string Code(FhirInteraction interaction) => interaction switch
    {
        FhirInteraction.HistoryInstance => "history-instance",
        FhirInteraction.HistoryType => "history-type",
        FhirInteraction.SearchType => "search-type",
        _ => interaction.ToString().ToLowerInvariant(),
    };
}
