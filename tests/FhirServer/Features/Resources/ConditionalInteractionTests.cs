using System.Net;
using System.Text.Json;
using SeSPHR.FhirServer.Tests.Infrastructure;
using static SeSPHR.FhirServer.Tests.Features.Bundles.BundleTestSupport;

namespace SeSPHR.FhirServer.Tests.Features.Resources;

/// <summary>
/// Conditional update, delete and patch over REST (http.html#cond-update, #cdelete, #patch): the
/// resource is named by a search; no match, one match and several matches each have their answer.
/// </summary>
public sealed class ConditionalInteractionTests(FhirServerFixture server) : IClassFixture<FhirServerFixture>
{
    private HttpClient Client => server.Client;

    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..(prefix.Length + 12)];

    private static string Patient(string identifier, string family = "Lovelace", string? id = null) =>
        $$"""{"resourceType":"Patient"{{(id is null ? "" : $",\"id\":\"{id}\"")}},"identifier":[{"system":"urn:test:mrn","value":"{{identifier}}"}],"name":[{"family":"{{family}}"}]}""";

    private static string ByIdentifier(string identifier) => $"/fhir/Patient?identifier=urn:test:mrn|{identifier}";

    private async Task<string> CreateAsync(string identifier, string family = "Lovelace")
    {
        var response = await Client.PostAsync("/fhir/Patient", FhirHttp.Json(Patient(identifier, family)));
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        return (await response.BodyAsync()).GetProperty("id").GetString()!;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, string? body = null, string? ifMatch = null, string mediaType = "application/fhir+json")
    {
        using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : FhirHttp.Json(body, mediaType) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return await Client.SendAsync(request);
    }

    private Task<HttpResponseMessage> PatchAsync(string url, string family, string? ifMatch = null) =>
        SendAsync(HttpMethod.Patch, url, $$"""[{"op":"replace","path":"/name/0/family","value":"{{family}}"}]""", ifMatch, "application/json-patch+json");

    private static async Task<(string Id, string Version, string Family)> WrittenAsync(HttpResponseMessage response)
    {
        var body = await response.BodyAsync();
        return (body.GetProperty("id").GetString()!, body.GetProperty("meta").GetProperty("versionId").GetString()!, body.GetProperty("name")[0].GetProperty("family").GetString()!);
    }

    [Fact]
    public async Task Given_no_match_and_no_id_When_conditionally_updated_Then_the_resource_is_created_with_a_server_id()
    {
        var identifier = Unique("mrn");

        var response = await Client.PutAsync(ByIdentifier(identifier), FhirHttp.Json(Patient(identifier)));

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var (id, version, _) = await WrittenAsync(response);
        version.ShouldBe("1");
        response.Headers.Location!.ToString().ShouldEndWith($"/fhir/Patient/{id}/_history/1");
        (await Client.CountAsync($"Patient?identifier=urn:test:mrn|{identifier}")).ShouldBe(1);
    }

    [Fact]
    public async Task Given_no_match_and_an_id_When_conditionally_updated_Then_the_resource_is_created_with_that_id()
    {
        var (identifier, id) = (Unique("mrn"), Unique("p"));

        var response = await Client.PutAsync(ByIdentifier(identifier), FhirHttp.Json(Patient(identifier, id: id)));

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await WrittenAsync(response)).Id.ShouldBe(id);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Given_one_match_When_conditionally_updated_with_no_id_or_its_id_Then_it_is_updated(bool withId)
    {
        var identifier = Unique("mrn");
        var id = await CreateAsync(identifier);

        var response = await Client.PutAsync(ByIdentifier(identifier), FhirHttp.Json(Patient(identifier, "Byron", withId ? id : null)));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await WrittenAsync(response)).ShouldBe((id, "2", "Byron"));
        (await Client.CountAsync($"Patient?identifier=urn:test:mrn|{identifier}")).ShouldBe(1);
    }

    [Fact]
    public async Task Given_one_match_and_another_id_in_the_body_When_conditionally_updated_Then_400_and_nothing_changes()
    {
        var identifier = Unique("mrn");
        var id = await CreateAsync(identifier);

        var response = await Client.PutAsync(ByIdentifier(identifier), FhirHttp.Json(Patient(identifier, "Byron", Unique("other"))));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.OutcomeCodeAsync()).ShouldBe("invalid");
        (await WrittenAsync(await Client.GetAsync($"/fhir/Patient/{id}"))).ShouldBe((id, "1", "Lovelace"));
    }

    [Fact]
    public async Task Given_several_matches_When_conditionally_updated_deleted_or_patched_Then_412_and_nothing_changes()
    {
        var identifier = Unique("twin");
        var (first, second) = (await CreateAsync(identifier), await CreateAsync(identifier));

        var update = await Client.PutAsync(ByIdentifier(identifier), FhirHttp.Json(Patient(identifier, "Byron")));
        var delete = await Client.DeleteAsync(ByIdentifier(identifier));
        var patch = await PatchAsync(ByIdentifier(identifier), "Byron");

        foreach (var response in new[] { update, delete, patch })
        {
            response.StatusCode.ShouldBe(HttpStatusCode.PreconditionFailed);
            (await response.OutcomeCodeAsync()).ShouldBe("multiple-matches");
        }

        foreach (var id in new[] { first, second })
        {
            (await WrittenAsync(await Client.GetAsync($"/fhir/Patient/{id}"))).ShouldBe((id, "1", "Lovelace"));
        }
    }

    public static TheoryData<string> BadConditions => new()
    {
        "/fhir/Patient?nonsense=1",
        "/fhir/Patient?birthdate=not-a-date",
        "/fhir/Patient?general-practitioner=not%20an%20id",
        "/fhir/Patient?_count=1",
        "/fhir/Patient?",
    };

    [Theory]
    [MemberData(nameof(BadConditions))]
    public async Task Given_a_bad_condition_When_conditionally_updated_deleted_or_patched_Then_400_and_nothing_is_written(string url)
    {
        var before = await server.Database.ScalarAsync<long>("SELECT count(*) FROM fhir.mt_doc_storedresourceversion");

        var update = await Client.PutAsync(url, FhirHttp.Json(Patient(Unique("mrn"))));
        var delete = await Client.DeleteAsync(url);
        var patch = await PatchAsync(url, "Byron");

        foreach (var response in new[] { update, delete, patch })
        {
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, url);
            await response.OutcomeCodeAsync();
        }

        (await server.Database.ScalarAsync<long>("SELECT count(*) FROM fhir.mt_doc_storedresourceversion")).ShouldBe(before);
    }

    [Fact]
    public async Task Given_a_stale_If_Match_When_conditionally_updated_deleted_or_patched_Then_412_and_nothing_changes()
    {
        var identifier = Unique("mrn");
        var id = await CreateAsync(identifier);

        var update = await SendAsync(HttpMethod.Put, ByIdentifier(identifier), Patient(identifier, "Byron"), "W/\"2\"");
        var delete = await SendAsync(HttpMethod.Delete, ByIdentifier(identifier), ifMatch: "W/\"2\"");
        var patch = await PatchAsync(ByIdentifier(identifier), "Byron", "W/\"2\"");

        foreach (var response in new[] { update, delete, patch })
        {
            response.StatusCode.ShouldBe(HttpStatusCode.PreconditionFailed);
            (await response.OutcomeCodeAsync()).ShouldBe("conflict");
        }

        (await WrittenAsync(await Client.GetAsync($"/fhir/Patient/{id}"))).ShouldBe((id, "1", "Lovelace"));
        (await PatchAsync(ByIdentifier(identifier), "Byron", "W/\"1\"")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Given_one_match_When_conditionally_deleted_Then_it_is_gone_and_others_stay()
    {
        var (identifier, other) = (Unique("mrn"), Unique("mrn"));
        var id = await CreateAsync(identifier);
        var kept = await CreateAsync(other);

        var response = await Client.DeleteAsync(ByIdentifier(identifier));

        response.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        response.Headers.ETag!.Tag.ShouldBe("\"2\"");
        (await Client.GetAsync($"/fhir/Patient/{id}")).StatusCode.ShouldBe(HttpStatusCode.Gone);
        (await Client.GetAsync($"/fhir/Patient/{kept}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Given_no_match_When_conditionally_deleted_Then_204_and_nothing_is_deleted()
    {
        var before = await server.Database.ScalarAsync<long>("SELECT count(*) FROM fhir.mt_doc_storedresourceversion");

        var response = await Client.DeleteAsync(ByIdentifier(Unique("nobody")));

        response.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await server.Database.ScalarAsync<long>("SELECT count(*) FROM fhir.mt_doc_storedresourceversion")).ShouldBe(before);
    }

    [Fact]
    public async Task Given_one_match_When_conditionally_patched_Then_it_is_patched_and_no_match_is_404()
    {
        var identifier = Unique("mrn");
        var id = await CreateAsync(identifier);

        var patched = await PatchAsync(ByIdentifier(identifier), "Byron");
        var nothing = await PatchAsync(ByIdentifier(Unique("nobody")), "Byron");

        patched.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await WrittenAsync(patched)).ShouldBe((id, "2", "Byron"));
        nothing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await nothing.OutcomeCodeAsync()).ShouldBe("not-found");
    }

    [Fact]
    public async Task Given_a_conditional_patch_entry_in_a_transaction_When_committed_Then_it_patches_the_one_match_and_no_match_fails_the_transaction()
    {
        var identifier = Unique("mrn");
        var id = await CreateAsync(identifier);
        var patch = Convert.ToBase64String("""[{"op":"replace","path":"/name/0/family","value":"Byron"}]"""u8.ToArray());
        string PatchEntry(string who) => Entry(null, $$"""{"resourceType":"Binary","contentType":"application/json-patch+json","data":"{{patch}}"}""", "PATCH", $"Patient?identifier=urn:test:mrn|{who}");

        var entries = await Client.PostBundleOkAsync(Bundle("transaction", PatchEntry(identifier)), "transaction-response");
        var refused = await Client.PostBundleAsync(Bundle("transaction", Post(null, Patient(Unique("mrn"))), PatchEntry(Unique("nobody"))));

        entries[0].Status().ShouldBe("200 OK");
        entries[0].TypeAndId().ShouldBe($"Patient/{id}");
        (await WrittenAsync(await Client.GetAsync($"/fhir/Patient/{id}"))).ShouldBe((id, "2", "Byron"));
        refused.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await refused.BodyAsync()).GetProperty("issue")[0].GetProperty("expression")[0].GetString().ShouldBe("Bundle.entry[1]");
    }

    [Fact]
    public async Task Given_a_conditional_update_When_the_body_is_of_another_type_Then_400()
    {
        var response = await Client.PutAsync(ByIdentifier(Unique("mrn")), FhirHttp.Json("""{"resourceType":"Observation","status":"final","code":{"text":"x"}}"""));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("resourceType").GetString().ShouldBe("OperationOutcome");
    }
}
