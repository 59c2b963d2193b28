using System.Text.Json;
using System.Text.Json.Nodes;
using SeSPHR.FhirServer.Tests.Infrastructure;

namespace SeSPHR.FhirServer.Tests.Features.Bundles;

/// <summary>Building batch and transaction Bundles, posting them, and finding the shared test data.</summary>
public static class BundleTestSupport
{
    /// <summary>A Bundle of <paramref name="type"/> with the given entries (JSON objects).</summary>
    public static string Bundle(string type, params string[] entries) =>
        $$"""{"resourceType":"Bundle","type":"{{type}}","entry":[{{string.Join(",", entries)}}]}""";

    public static string Post(string? fullUrl, string resource, string? ifNoneExist = null) =>
        Entry(fullUrl, resource, "POST", JsonNode.Parse(resource)!["resourceType"]!.GetValue<string>(), ifNoneExist: ifNoneExist);

    public static string Put(string? fullUrl, string resource, string? ifMatch = null, string? url = null)
    {
        var node = JsonNode.Parse(resource)!;
        return Entry(fullUrl, resource, "PUT", url ?? $"{node["resourceType"]!.GetValue<string>()}/{node["id"]!.GetValue<string>()}", ifMatch: ifMatch);
    }

    public static string Get(string url) => Entry(null, null, "GET", url);

    public static string Delete(string url, string? ifMatch = null) => Entry(null, null, "DELETE", url, ifMatch: ifMatch);

    public static string Entry(string? fullUrl, string? resource, string method, string url, string? ifNoneExist = null, string? ifMatch = null)
    {
        var entry = new JsonObject();
        if (fullUrl is not null)
        {
            entry["fullUrl"] = fullUrl;
        }

        if (resource is not null)
        {
            entry["resource"] = JsonNode.Parse(resource);
        }

        var request = new JsonObject { ["method"] = method, ["url"] = url };
        if (ifNoneExist is not null)
        {
            request["ifNoneExist"] = ifNoneExist;
        }

        if (ifMatch is not null)
        {
            request["ifMatch"] = ifMatch;
        }

        entry["request"] = request;
        return entry.ToJsonString();
    }

    public static async Task<HttpResponseMessage> PostBundleAsync(this HttpClient client, string bundle, string? prefer = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/fhir") { Content = FhirHttp.Json(bundle) };
        if (prefer is not null)
        {
            request.Headers.Add("Prefer", prefer);
        }

        return await client.SendAsync(request);
    }

    /// <summary>Posts a Bundle that must succeed; its response entries.</summary>
    public static async Task<IReadOnlyList<JsonElement>> PostBundleOkAsync(this HttpClient client, string bundle, string expectedType, string? prefer = null)
    {
        var response = await client.PostBundleAsync(bundle, prefer);
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(200, text);
        var body = await response.BodyAsync();
        body.GetProperty("resourceType").GetString().ShouldBe("Bundle");
        body.GetProperty("type").GetString().ShouldBe(expectedType);
        return body.TryGetProperty("entry", out var entries) ? entries.EnumerateArray().ToList() : [];
    }

    public static string Status(this JsonElement responseEntry) => responseEntry.GetProperty("response").GetProperty("status").GetString()!;

    /// <summary><c>Type/id</c> from a response entry's location (<c>.../Type/id/_history/n</c>).</summary>
    public static string TypeAndId(this JsonElement responseEntry)
    {
        var location = responseEntry.GetProperty("response").GetProperty("location").GetString()!;
        var parts = location.Split('/');
        parts[^2].ShouldBe("_history");
        return $"{parts[^4]}/{parts[^3]}";
    }

    public static async Task<JsonElement> ReadAsync(this HttpClient client, string typeAndId)
    {
        var response = await client.GetAsync("/fhir/" + typeAndId);
        ((int)response.StatusCode).ShouldBe(200, await response.Content.ReadAsStringAsync());
        return await response.BodyAsync();
    }

    /// <summary>The number of matches of a search, by <c>_summary=count</c>.</summary>
    public static async Task<long> CountAsync(this HttpClient client, string query)
    {
        var separator = query.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        var response = await client.GetAsync($"/fhir/{query}{separator}_summary=count");
        ((int)response.StatusCode).ShouldBe(200, await response.Content.ReadAsStringAsync());
        return (await response.BodyAsync()).GetProperty("total").GetInt64();
    }

    /// <summary>
    /// <c>shared/data</c>, found by walking up from the test binaries: beside the repository in CI,
    /// or above it in a workspace.
    /// </summary>
    public static string SharedData(params string[] parts)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared", "data");
            if (Directory.Exists(candidate))
            {
                return Path.Combine([candidate, .. parts]);
            }
        }

        throw new DirectoryNotFoundException($"No shared/data above {AppContext.BaseDirectory}.");
    }
}
