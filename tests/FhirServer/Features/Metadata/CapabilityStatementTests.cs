using System.Net;
using System.Text.Json;
using Hl7.Fhir.Serialization;
using SeSPHR.FhirServer.Features.Metadata;
using SeSPHR.FhirServer.Features.Operations;
using SeSPHR.FhirServer.Features.Resources;
using SeSPHR.FhirServer.Search;
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
            .SelectMany(t => ResourceRegistry.Default.InteractionsOf(t).Where(i => Code(i) is not null).Select(i => $"{t}:{Code(i)}"))
            .Order()
            .ToList();

        advertised.ShouldBe(registered);
    }

    [Fact]
    public async Task Given_the_registry_Then_the_CapabilityStatement_flags_exactly_its_conditional_interactions()
    {
        var body = await (await server.Client.GetAsync("/fhir/metadata")).BodyAsync();

        var advertised = body.GetProperty("rest")[0].GetProperty("resource").EnumerateArray()
            .Select(r => $"{r.GetProperty("type").GetString()}:{ConditionalFlags(r)}")
            .Order()
            .ToList();
        var registered = ResourceRegistry.Default.ResourceTypes
            .Select(t => $"{t}:{ConditionalFlags(ResourceRegistry.Default.InteractionsOf(t))}")
            .Order()
            .ToList();

        advertised.ShouldBe(registered);
        advertised.ShouldContain("Patient:create update delete=single patch");
    }

    [Fact]
    public void Given_a_registry_with_some_conditional_interactions_Then_the_CapabilityStatement_flags_those_only()
    {
        var registry = new ResourceRegistry(new Dictionary<string, IReadOnlySet<FhirInteraction>>
        {
            ["Patient"] = new HashSet<FhirInteraction> { FhirInteraction.Read, FhirInteraction.Update, FhirInteraction.ConditionalUpdate },
            ["Observation"] = new HashSet<FhirInteraction> { FhirInteraction.Read, FhirInteraction.Delete, FhirInteraction.ConditionalDelete, FhirInteraction.Patch, FhirInteraction.ConditionalPatch },
        });
        var factory = new CapabilityStatementFactory(registry, new OperationRegistry(registry),
            SearchParameterRegistry.Create(registry.ResourceTypes, protectSections: false), TimeProvider.System);

        var json = new FhirJsonSerializer().SerializeToString(factory.Create("http://example.org/fhir"));
        using var document = JsonDocument.Parse(json);
        var flags = document.RootElement.GetProperty("rest")[0].GetProperty("resource").EnumerateArray()
            .ToDictionary(r => r.GetProperty("type").GetString()!, ConditionalFlags);

        flags["Patient"].ShouldBe("update");
        flags["Observation"].ShouldBe("delete=single patch");
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
            using var patchRequest = new HttpRequestMessage(HttpMethod.Patch, $"/fhir/{type}/unknown-id")
            {
                Content = FhirHttp.Json("""[{"op":"test","path":"/id","value":"unknown-id"}]""", "application/json-patch+json"),
            };
            var patch = await server.Client.SendAsync(patchRequest);

            var conditionalUpdate = await server.Client.PutAsync($"/fhir/{type}?_id=unknown-id", FhirHttp.Json($$"""{"resourceType":"{{type}}"}"""));
            var conditionalDelete = await server.Client.DeleteAsync($"/fhir/{type}?_id=unknown-id");
            using var conditionalPatchRequest = new HttpRequestMessage(HttpMethod.Patch, $"/fhir/{type}?_id=unknown-id")
            {
                Content = FhirHttp.Json("""[{"op":"test","path":"/id","value":"unknown-id"}]""", "application/json-patch+json"),
            };
            var conditionalPatch = await server.Client.SendAsync(conditionalPatchRequest);
            var flags = ConditionalFlags(resource);
            codes.Contains("read").ShouldBeTrue();
            read.StatusCode.ShouldBe(HttpStatusCode.NotFound);
            if (type == "AuditEvent")
            {
                // The audit trail is read only: no write is advertised, and every one is refused.
                codes.ShouldBe(["read", "vread", "search-type", "history-instance", "history-type"], ignoreOrder: true);
                flags.ShouldBeEmpty();
                foreach (var refused in (HttpResponseMessage[])[create, patch, conditionalUpdate, conditionalDelete, conditionalPatch])
                {
                    refused.StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed, type);
                }

                continue;
            }

            ((int)create.StatusCode).ShouldNotBe(405, type);
            codes.Contains("create").ShouldBeTrue(type);
            ((int)create.StatusCode).ShouldBeOneOf(201, 400, 422);

            // The conditional interactions: a condition that matches nothing.
            flags.ShouldContain("update", Case.Sensitive, type);
            ((int)conditionalUpdate.StatusCode).ShouldBeOneOf([201, 400, 422], type);
            flags.ShouldContain("delete=single", Case.Sensitive, type);
            conditionalDelete.StatusCode.ShouldBe(HttpStatusCode.NoContent, type);
            flags.ShouldContain("patch", Case.Sensitive, type);
            conditionalPatch.StatusCode.ShouldBe(HttpStatusCode.NotFound, type);
            (await conditionalPatch.Content.ReadAsStringAsync()).ShouldContain($"No {type} matches the condition", Case.Sensitive, type);

            codes.Contains("patch").ShouldBeTrue(type);
            patch.StatusCode.ShouldBe(HttpStatusCode.NotFound, type);
            (await patch.OutcomeCodeAsync()).ShouldBe("not-found");
        }

        (await server.Client.PostAsync("/fhir/Patient/x", FhirHttp.Json("{}"))).StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed);
        (await server.Client.GetAsync("/fhir/Medication/x")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Given_the_operation_registry_Then_the_CapabilityStatement_lists_exactly_its_operations_and_patch_formats()
    {
        var body = await (await server.Client.GetAsync("/fhir/metadata")).BodyAsync();
        var operations = new OperationRegistry(ResourceRegistry.Default);

        var advertised = body.GetProperty("rest")[0].GetProperty("resource").EnumerateArray()
            .SelectMany(r => r.TryGetProperty("operation", out var ops)
                ? ops.EnumerateArray().Select(o => $"{r.GetProperty("type").GetString()}:{o.GetProperty("name").GetString()}:{o.GetProperty("definition").GetString()}")
                : [])
            .Order()
            .ToList();
        var registered = ResourceRegistry.Default.ResourceTypes
            .SelectMany(t => operations.OperationsOf(t).Select(o => $"{t}:{o.Name}:{o.Definition}"))
            .Order()
            .ToList();

        advertised.ShouldBe(registered);
        advertised.ShouldContain("Patient:everything:http://hl7.org/fhir/OperationDefinition/Patient-everything");
        advertised.ShouldContain("Observation:validate:http://hl7.org/fhir/OperationDefinition/Resource-validate");
        body.GetProperty("patchFormat").EnumerateArray().Select(f => f.GetString())
            .ShouldBe(["application/json-patch+json", "application/fhir+json", "application/fhir+xml"], ignoreOrder: true);
    }

    [Fact]
    public async Task Given_each_advertised_operation_Then_the_router_serves_it_and_refuses_it_elsewhere()
    {
        var body = await (await server.Client.GetAsync("/fhir/metadata")).BodyAsync();

        foreach (var resource in body.GetProperty("rest")[0].GetProperty("resource").EnumerateArray())
        {
            var type = resource.GetProperty("type").GetString()!;
            var names = resource.TryGetProperty("operation", out var ops)
                ? ops.EnumerateArray().Select(o => o.GetProperty("name").GetString()).ToHashSet()
                : [];

            // A stored resource of each type would need valid content; an unknown id shows the route
            // is served (404 "not known" from the handler, not "no interaction served at this URL").
            var validate = await server.Client.GetAsync($"/fhir/{type}/unknown-id/$validate");
            var everything = await server.Client.GetAsync($"/fhir/{type}/unknown-id/$everything");

            names.Contains("validate").ShouldBeTrue(type);
            validate.StatusCode.ShouldBe(HttpStatusCode.NotFound, type);
            (await validate.Content.ReadAsStringAsync()).ShouldContain($"{type}/unknown-id is not known");
            everything.StatusCode.ShouldBe(HttpStatusCode.NotFound, type);
            (await everything.Content.ReadAsStringAsync()).ShouldContain(
                names.Contains("everything") ? $"{type}/unknown-id is not known" : "operation is not defined", Case.Sensitive, type);
        }
    }

    /// <summary>The conditional interactions a CapabilityStatement resource entry flags, as "create update delete=single patch".</summary>
    private static string ConditionalFlags(JsonElement resource)
    {
        bool Flag(string name) => resource.TryGetProperty(name, out var flag) && flag.GetBoolean();
        var delete = resource.TryGetProperty("conditionalDelete", out var mode) ? mode.GetString() : "not-supported";
        var patch = resource.TryGetProperty("extension", out var extensions)
            && extensions.EnumerateArray().Any(e => e.GetProperty("url").GetString() == CapabilityStatementFactory.ConditionalPatchExtension && e.GetProperty("valueBoolean").GetBoolean());
        return string.Join(" ", new[]
        {
            Flag("conditionalCreate") ? "create" : null,
            Flag("conditionalUpdate") ? "update" : null,
            delete == "not-supported" ? null : "delete=" + delete,
            patch ? "patch" : null,
        }.OfType<string>());
    }

    private static string ConditionalFlags(IReadOnlySet<FhirInteraction> interactions) => string.Join(" ", new[]
    {
        interactions.Contains(FhirInteraction.ConditionalCreate) ? "create" : null,
        interactions.Contains(FhirInteraction.ConditionalUpdate) ? "update" : null,
        interactions.Contains(FhirInteraction.ConditionalDelete) ? "delete=single" : null,
        interactions.Contains(FhirInteraction.ConditionalPatch) ? "patch" : null,
    }.OfType<string>());

    private static string? Code(FhirInteraction interaction) => interaction switch
    {
        FhirInteraction.ConditionalCreate or FhirInteraction.ConditionalUpdate or FhirInteraction.ConditionalDelete or FhirInteraction.ConditionalPatch => null,
        FhirInteraction.HistoryInstance => "history-instance",
        FhirInteraction.HistoryType => "history-type",
        FhirInteraction.SearchType => "search-type",
        _ => interaction.ToString().ToLowerInvariant(),
    };
}
