using System.Net;
using SeSPHR.FhirServer.Tests.Infrastructure;

namespace SeSPHR.FhirServer.Tests.Features.Resources;

public sealed class UpdateDeleteHistoryTests(FhirServerFixture server) : IClassFixture<FhirServerFixture>
{
    private HttpClient Client => server.Client;

    private static string Patient(string id, string family) =>
        $$"""{"resourceType":"Patient","id":"{{id}}","name":[{"family":"{{family}}"}]}""";

    private static string NewId() => "p-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task Given_a_new_client_id_When_put_Then_201_version_1_and_a_second_put_is_200_version_2()
    {
        var id = NewId();

        var created = await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, "One")));
        var updated = await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, "Two")));

        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        created.Headers.ETag!.ToString().ShouldBe("W/\"1\"");
        updated.StatusCode.ShouldBe(HttpStatusCode.OK);
        updated.Headers.ETag!.ToString().ShouldBe("W/\"2\"");
        updated.Headers.Location!.ToString().ShouldEndWith($"/Patient/{id}/_history/2");
        var read = await (await Client.GetAsync($"/fhir/Patient/{id}")).BodyAsync();
        read.GetProperty("name")[0].GetProperty("family").GetString().ShouldBe("Two");
        read.GetProperty("meta").GetProperty("versionId").GetString().ShouldBe("2");
    }

    [Fact]
    public async Task Given_a_stale_if_match_When_put_Then_412_and_the_resource_is_unchanged()
    {
        var id = NewId();
        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, "One")));
        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, "Two")));
        using var stale = new HttpRequestMessage(HttpMethod.Put, $"/fhir/Patient/{id}") { Content = FhirHttp.Json(Patient(id, "Lost")) };
        stale.Headers.TryAddWithoutValidation("If-Match", "W/\"1\"");

        var response = await Client.SendAsync(stale);

        response.StatusCode.ShouldBe(HttpStatusCode.PreconditionFailed);
        (await response.OutcomeCodeAsync()).ShouldBe("conflict");
        (await (await Client.GetAsync($"/fhir/Patient/{id}")).BodyAsync()).GetProperty("name")[0].GetProperty("family").GetString().ShouldBe("Two");
    }

    [Fact]
    public async Task Given_the_current_if_match_When_put_Then_200()
    {
        var id = NewId();
        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, "One")));
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/fhir/Patient/{id}") { Content = FhirHttp.Json(Patient(id, "Two")) };
        request.Headers.TryAddWithoutValidation("If-Match", "W/\"1\"");

        (await Client.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("""{"resourceType":"Patient","name":[{"family":"NoId"}]}""")]
    [InlineData("""{"resourceType":"Patient","id":"another-id","name":[{"family":"Mismatch"}]}""")]
    public async Task Given_a_body_without_the_urls_id_When_put_Then_400(string body)
    {
        var response = await Client.PutAsync($"/fhir/Patient/{NewId()}", FhirHttp.Json(body));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        await response.OutcomeCodeAsync();
    }

    [Fact]
    public async Task Given_a_deleted_resource_Then_read_is_410_vread_of_old_versions_works_and_history_keeps_all_versions()
    {
        var id = NewId();
        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, "One")));
        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, "Two")));

        var deleted = await Client.DeleteAsync($"/fhir/Patient/{id}");

        deleted.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var read = await Client.GetAsync($"/fhir/Patient/{id}");
        read.StatusCode.ShouldBe(HttpStatusCode.Gone);
        (await read.OutcomeCodeAsync()).ShouldBe("deleted");
        var first = await Client.GetAsync($"/fhir/Patient/{id}/_history/1");
        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await first.BodyAsync()).GetProperty("name")[0].GetProperty("family").GetString().ShouldBe("One");
        (await Client.GetAsync($"/fhir/Patient/{id}/_history/3")).StatusCode.ShouldBe(HttpStatusCode.Gone);
        (await Client.GetAsync($"/fhir/Patient/{id}/_history/4")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var history = await (await Client.GetAsync($"/fhir/Patient/{id}/_history")).BodyAsync();
        history.GetProperty("type").GetString().ShouldBe("history");
        var methods = history.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("request").GetProperty("method").GetString()).ToList();
        methods.ShouldBe(["DELETE", "PUT", "POST"]);
        history.GetProperty("entry")[0].TryGetProperty("resource", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task Given_a_stale_if_match_When_deleted_Then_412_and_the_resource_stays_and_the_current_version_deletes_it()
    {
        var id = NewId();
        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, "One")));
        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, "Two")));
        HttpRequestMessage Delete(string version)
        {
            var request = new HttpRequestMessage(HttpMethod.Delete, $"/fhir/Patient/{id}");
            request.Headers.TryAddWithoutValidation("If-Match", $"W/\"{version}\"");
            return request;
        }

        using var stale = Delete("1");
        var refused = await Client.SendAsync(stale);
        var afterRefusal = await Client.GetAsync($"/fhir/Patient/{id}");
        using var current = Delete("2");
        var deleted = await Client.SendAsync(current);
        using var again = Delete("2");
        var deletedAgain = await Client.SendAsync(again);

        refused.StatusCode.ShouldBe(HttpStatusCode.PreconditionFailed);
        (await refused.OutcomeCodeAsync()).ShouldBe("conflict");
        afterRefusal.StatusCode.ShouldBe(HttpStatusCode.OK);
        deleted.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await Client.GetAsync($"/fhir/Patient/{id}")).StatusCode.ShouldBe(HttpStatusCode.Gone);
        deletedAgain.StatusCode.ShouldBe(HttpStatusCode.PreconditionFailed);
    }

    [Fact]
    public async Task Given_a_deleted_resource_When_deleted_again_Then_204_and_when_put_again_Then_it_comes_back_as_a_new_version()
    {
        var id = NewId();
        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, "One")));
        await Client.DeleteAsync($"/fhir/Patient/{id}");

        (await Client.DeleteAsync($"/fhir/Patient/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var revived = await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, "Back")));

        revived.StatusCode.ShouldBe(HttpStatusCode.Created);
        revived.Headers.ETag!.ToString().ShouldBe("W/\"3\"");
        (await Client.GetAsync($"/fhir/Patient/{id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Given_many_versions_When_history_is_paged_Then_next_links_walk_every_version_once()
    {
        var id = NewId();
        for (var i = 0; i < 7; i++)
        {
            await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, $"V{i}")));
        }

        var versions = new List<string>();
        var url = $"/fhir/Patient/{id}/_history?_count=3";
        for (var pages = 0; url is not null && pages < 10; pages++)
        {
            var page = await (await Client.GetAsync(url)).BodyAsync();
            versions.AddRange(page.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource").GetProperty("meta").GetProperty("versionId").GetString()!));
            url = page.GetProperty("link").EnumerateArray().Where(l => l.GetProperty("relation").GetString() == "next")
                .Select(l => new Uri(l.GetProperty("url").GetString()!).PathAndQuery).FirstOrDefault();
        }

        versions.ShouldBe(["7", "6", "5", "4", "3", "2", "1"]);
    }

    [Fact]
    public async Task Given_history_since_an_instant_Then_only_later_versions_are_listed()
    {
        var id = NewId();
        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, "Before")));
        await Task.Delay(20);
        var since = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);
        await Task.Delay(20);
        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, "After")));

        var history = await (await Client.GetAsync($"/fhir/Patient/{id}/_history?_since={Uri.EscapeDataString(since)}")).BodyAsync();

        history.GetProperty("entry").GetArrayLength().ShouldBe(1);
        history.GetProperty("entry")[0].GetProperty("resource").GetProperty("name")[0].GetProperty("family").GetString().ShouldBe("After");
    }

    [Fact]
    public async Task Given_type_and_system_history_Then_they_list_the_writes_of_that_type_and_of_all_types()
    {
        var id = NewId();
        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, "Typed")));

        var type = await (await Client.GetAsync("/fhir/Patient/_history?_count=1000")).BodyAsync();
        var system = await (await Client.GetAsync("/fhir/_history?_count=1000")).BodyAsync();

        type.GetProperty("entry").EnumerateArray().ShouldAllBe(e => e.GetProperty("fullUrl").GetString()!.Contains("/Patient/"));
        system.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("fullUrl").GetString()).ShouldContain(u => u!.EndsWith($"/Patient/{id}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Given_concurrent_updates_of_one_resource_Then_every_acknowledged_version_is_in_the_history_and_none_is_lost()
    {
        var id = NewId();
        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, "Start")));

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, $"C{i}")))));

        responses.ShouldAllBe(r => r.StatusCode == HttpStatusCode.OK || r.StatusCode == HttpStatusCode.Conflict);
        var acknowledged = responses.Count(r => r.StatusCode == HttpStatusCode.OK);
        var history = await (await Client.GetAsync($"/fhir/Patient/{id}/_history?_count=100")).BodyAsync();
        history.GetProperty("entry").GetArrayLength().ShouldBe(acknowledged + 1);
    }

    // A version's body lives in the current row while it is current and moves into its history
    // row when a newer version replaces it: every version must still serve its own body.
    [Fact]
    public async Task Given_versions_replaced_by_updates_a_delete_and_a_revival_Then_vread_and_history_serve_each_versions_own_body()
    {
        var id = NewId();
        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, "One")));
        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, "Two")));
        await Client.DeleteAsync($"/fhir/Patient/{id}");
        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, "Back")));
        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, "Last")));

        foreach (var (version, family) in new[] { (1, "One"), (2, "Two"), (4, "Back"), (5, "Last") })
        {
            var read = await Client.GetAsync($"/fhir/Patient/{id}/_history/{version}");
            read.StatusCode.ShouldBe(HttpStatusCode.OK);
            var body = await read.BodyAsync();
            body.GetProperty("name")[0].GetProperty("family").GetString().ShouldBe(family);
            body.GetProperty("meta").GetProperty("versionId").GetString().ShouldBe(version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        (await Client.GetAsync($"/fhir/Patient/{id}/_history/3")).StatusCode.ShouldBe(HttpStatusCode.Gone);
        var history = await (await Client.GetAsync($"/fhir/Patient/{id}/_history")).BodyAsync();
        var families = history.GetProperty("entry").EnumerateArray()
            .Select(e => e.TryGetProperty("resource", out var resource) ? resource.GetProperty("name")[0].GetProperty("family").GetString() : null)
            .ToList();
        families.ShouldBe(["Last", "Back", null, "Two", "One"]);
    }

    [Fact]
    public async Task Given_concurrent_updates_of_one_resource_Then_each_acknowledged_version_serves_the_body_its_writer_sent()
    {
        var id = NewId();
        await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, "Start")));

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
            (Family: $"C{i}", Response: await Client.PutAsync($"/fhir/Patient/{id}", FhirHttp.Json(Patient(id, $"C{i}"))))));

        var acknowledged = responses.Where(r => r.Response.StatusCode == HttpStatusCode.OK).ToList();
        acknowledged.ShouldNotBeEmpty();
        foreach (var (family, response) in acknowledged)
        {
            var version = response.Headers.ETag!.Tag.Trim('"');
            var read = await (await Client.GetAsync($"/fhir/Patient/{id}/_history/{version}")).BodyAsync();
            read.GetProperty("name")[0].GetProperty("family").GetString().ShouldBe(family);
        }

        var first = await (await Client.GetAsync($"/fhir/Patient/{id}/_history/1")).BodyAsync();
        first.GetProperty("name")[0].GetProperty("family").GetString().ShouldBe("Start");
    }
}
