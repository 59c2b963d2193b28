using System.Net;
using SeSPHR.FhirServer.Tests.Infrastructure;
using static SeSPHR.FhirServer.Tests.Features.Bundles.BundleTestSupport;

namespace SeSPHR.FhirServer.Tests.Features.Bundles;

public sealed class BatchTests(PlainFhirServerFixture server) : IClassFixture<PlainFhirServerFixture>
{
    private HttpClient Client => server.Client;

    private static string Id(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    private static string Patient(string? id = null, string family = "Lovelace") =>
        $$"""{"resourceType":"Patient"{{(id is null ? "" : $",\"id\":\"{id}\"")}},"name":[{"family":"{{family}}"}]}""";

    [Fact]
    public async Task Given_entries_that_succeed_and_fail_When_batched_Then_each_is_answered_in_order_and_the_good_ones_are_stored()
    {
        var (kept, deleted, stale) = (Id("kept"), Id("gone"), Id("stale"));
        await Client.PutAsync($"/fhir/Patient/{deleted}", FhirHttp.Json(Patient(deleted)));
        await Client.PutAsync($"/fhir/Patient/{stale}", FhirHttp.Json(Patient(stale)));

        var entries = await Client.PostBundleOkAsync(Bundle("batch",
            Post(null, Patient()),
            Put(null, Patient("one"), url: "Patient/other"),
            Get("Patient/never-there"),
            Put(null, Patient(kept)),
            Delete($"Patient/{deleted}"),
            Post(null, """{"resourceType":"Substance","code":{"text":"x"}}"""),
            Put(null, Patient(stale, "Changed"), ifMatch: "W/\"7\""),
            Post(null, """{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"urn:uuid:4a089b8a-b0a0-46a9-92da-c8b653aa2e71"}}""")),
            "batch-response");

        entries.Select(e => e.Status()).ShouldBe([
            "201 Created", "400 Bad Request", "404 Not Found", "201 Created", "204 No Content", "404 Not Found", "412 Precondition Failed", "400 Bad Request"]);
        foreach (var failed in new[] { 1, 2, 5, 6, 7 })
        {
            var outcome = entries[failed].GetProperty("response").GetProperty("outcome");
            outcome.GetProperty("resourceType").GetString().ShouldBe("OperationOutcome");
            outcome.GetProperty("issue")[0].GetProperty("diagnostics").GetString()!.ShouldStartWith($"Bundle.entry[{failed}]");
            entries[failed].TryGetProperty("resource", out _).ShouldBeFalse();
        }

        (await Client.ReadAsync(entries[0].TypeAndId())).GetProperty("name")[0].GetProperty("family").GetString().ShouldBe("Lovelace");
        (await Client.ReadAsync($"Patient/{kept}")).GetProperty("id").GetString().ShouldBe(kept);
        (await Client.GetAsync($"/fhir/Patient/{deleted}")).StatusCode.ShouldBe(HttpStatusCode.Gone);
        (await Client.ReadAsync($"Patient/{stale}")).GetProperty("meta").GetProperty("versionId").GetString().ShouldBe("1");
    }

    [Fact]
    public async Task Given_get_entries_When_batched_Then_reads_vreads_searches_and_histories_are_answered()
    {
        var id = Id("g");
        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id)));
        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, "Byron")));

        var entries = await Client.PostBundleOkAsync(Bundle("batch",
            Get($"Patient/{id}"),
            Get($"Patient/{id}/_history/1"),
            Get($"Patient?_id={id}&_summary=count"),
            Get($"Patient/{id}/_history"),
            Get($"/Patient/{id}"),
            Get($"{Client.BaseAddress}fhir/Patient/{id}"),
            Get("Patient/missing/_history/1"),
            Get("Patient?unknown-parameter=1")),
            "batch-response");

        entries.Select(e => e.Status()).ShouldBe(["200 OK", "200 OK", "200 OK", "200 OK", "200 OK", "200 OK", "404 Not Found", "200 OK"]);
        entries[0].GetProperty("resource").GetProperty("name")[0].GetProperty("family").GetString().ShouldBe("Byron");
        entries[0].GetProperty("response").GetProperty("etag").GetString().ShouldBe("W/\"2\"");
        entries[1].GetProperty("resource").GetProperty("name")[0].GetProperty("family").GetString().ShouldBe("Lovelace");
        entries[2].GetProperty("resource").GetProperty("total").GetInt32().ShouldBe(1);
        var history = entries[3].GetProperty("resource");
        history.GetProperty("type").GetString().ShouldBe("history");
        history.GetProperty("entry").GetArrayLength().ShouldBe(2);
        entries[4].GetProperty("resource").GetProperty("id").GetString().ShouldBe(id);
        entries[5].GetProperty("resource").GetProperty("id").GetString().ShouldBe(id);
        // Lenient handling (the default): the unknown parameter is ignored and reported in the searchset.
        entries[7].GetProperty("resource").GetProperty("type").GetString().ShouldBe("searchset");
    }

    [Fact]
    public async Task Given_a_read_entry_with_the_current_etag_When_batched_Then_304()
    {
        var id = Id("n");
        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id)));
        var entry = $$$"""{"request":{"method":"GET","url":"Patient/{{{id}}}","ifNoneMatch":"W/\"1\""}}""";

        var entries = await Client.PostBundleOkAsync(Bundle("batch", entry), "batch-response");

        entries[0].Status().ShouldBe("304 Not Modified");
        entries[0].TryGetProperty("resource", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task Given_conditional_update_and_delete_When_batched_Then_they_act_on_the_one_match()
    {
        var (identifier, id) = (Id("mrn"), Id("c"));
        var withIdentifier = $$"""{"resourceType":"Patient","identifier":[{"system":"urn:test:mrn","value":"{{identifier}}"}],"name":[{"family":"Created"}]}""";

        var created = await Client.PostBundleOkAsync(Bundle("batch",
            Entry(null, withIdentifier, "PUT", $"Patient?identifier=urn:test:mrn|{identifier}")), "batch-response");
        var updated = await Client.PostBundleOkAsync(Bundle("batch",
            Entry(null, withIdentifier.Replace("Created", "Updated", StringComparison.Ordinal), "PUT", $"Patient?identifier=urn:test:mrn|{identifier}")), "batch-response");

        created[0].Status().ShouldBe("201 Created");
        updated[0].Status().ShouldBe("200 OK");
        updated[0].TypeAndId().ShouldBe(created[0].TypeAndId());
        (await Client.ReadAsync(created[0].TypeAndId())).GetProperty("name")[0].GetProperty("family").GetString().ShouldBe("Updated");

        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id)));
        var deleted = await Client.PostBundleOkAsync(Bundle("batch", Delete($"Patient?identifier=urn:test:mrn|{identifier}"), Delete($"Patient?_id={id}")), "batch-response");

        deleted.Select(e => e.Status()).ShouldBe(["204 No Content", "204 No Content"]);
        (await Client.GetAsync($"/fhir/{created[0].TypeAndId()}")).StatusCode.ShouldBe(HttpStatusCode.Gone);
        (await Client.GetAsync($"/fhir/Patient/{id}")).StatusCode.ShouldBe(HttpStatusCode.Gone);
    }

    [Fact]
    public async Task Given_two_entries_for_one_resource_When_batched_Then_each_is_applied_in_order()
    {
        var id = Id("twice");

        var entries = await Client.PostBundleOkAsync(Bundle("batch", Put(null, Patient(id)), Put(null, Patient(id, "Second"))), "batch-response");

        entries.Select(e => e.Status()).ShouldBe(["201 Created", "200 OK"]);
        (await Client.ReadAsync($"Patient/{id}")).GetProperty("meta").GetProperty("versionId").GetString().ShouldBe("2");
    }

    [Fact]
    public async Task Given_json_and_fhirpath_patches_When_batched_after_a_put_Then_both_are_applied_in_order()
    {
        var id = Id("patch");
        var jsonPatch = Convert.ToBase64String("""[{"op":"replace","path":"/name/0/family","value":"Byron"}]"""u8.ToArray());
        var fhirPathPatch = """
            {"resourceType":"Parameters","parameter":[{"name":"operation","part":[
              {"name":"type","valueCode":"add"},{"name":"path","valueString":"Patient"},{"name":"name","valueString":"active"},{"name":"value","valueBoolean":true}]}]}
            """;

        var entries = await Client.PostBundleOkAsync(Bundle("batch",
            Put(null, Patient(id)),
            Entry(null, $$"""{"resourceType":"Binary","contentType":"application/json-patch+json","data":"{{jsonPatch}}"}""", "PATCH", $"Patient/{id}"),
            Entry(null, fhirPathPatch, "PATCH", $"Patient/{id}"),
            Entry(null, fhirPathPatch, "PATCH", "Patient/not-there"),
            Entry(null, """{"resourceType":"Binary","contentType":"text/plain","data":"eA=="}""", "PATCH", $"Patient/{id}")),
            "batch-response");

        entries.Select(e => e.Status()).ShouldBe(["201 Created", "200 OK", "200 OK", "404 Not Found", "400 Bad Request"]);
        var patient = await Client.ReadAsync($"Patient/{id}");
        patient.GetProperty("name")[0].GetProperty("family").GetString().ShouldBe("Byron");
        patient.GetProperty("active").GetBoolean().ShouldBeTrue();
        patient.GetProperty("meta").GetProperty("versionId").GetString().ShouldBe("3");
    }

    [Fact]
    public async Task Given_the_CapabilityStatement_Then_it_advertises_transaction_and_batch_and_both_are_served()
    {
        var metadata = await (await Client.GetAsync("/fhir/metadata")).BodyAsync();
        var system = metadata.GetProperty("rest")[0].GetProperty("interaction").EnumerateArray().Select(i => i.GetProperty("code").GetString()).ToList();

        system.ShouldContain("transaction");
        system.ShouldContain("batch");
        foreach (var type in new[] { "transaction", "batch" })
        {
            (await Client.PostBundleOkAsync(Bundle(type, Get("Patient?_count=1")), $"{type}-response")).Count.ShouldBe(1);
        }
    }
}
