using System.Net;
using System.Text;
using System.Text.Json;
using Hl7.Fhir.Serialization;
using SeSPHR.FhirServer.Tests.Infrastructure;

namespace SeSPHR.FhirServer.Tests.Features.Access.Enforcement;

/// <summary>
/// Writes leak nothing (DESIGN.md §4 "Writes"): a caller who may not write into a record gets the
/// same answer (status, OperationOutcome, headers) whether the id it names is a resource withheld
/// from it, at the right version or not, or nothing at all, for every write interaction, plain,
/// conditional and inside Bundles.
/// </summary>
public sealed class WriteLeakTests(WriteLeakTests.Data data) : IClassFixture<WriteLeakTests.Data>
{
    /// <summary>A record of its own: should a write get through, no other test sees it.</summary>
    public sealed class Data : AccessData;

    private const string JsonPatch = """[{"op":"replace","path":"/status","value":"amended"}]""";

    public static TheoryData<string, string, string> Cases()
    {
        var cases = new TheoryData<string, string, string>();
        string[] interactions =
        [
            "PUT", "PATCH", "DELETE", "conditional PUT", "conditional PATCH", "conditional DELETE",
            "batch PUT", "batch PATCH", "batch DELETE", "transaction PUT", "transaction PATCH", "transaction DELETE",
        ];
        foreach (var interaction in interactions)
        {
            // Bob has no grant; the family member reads vitals only, so a lab result is withheld from them.
            cases.Add("bob", "v3", interaction);
            cases.Add("family", "m3", interaction);
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async System.Threading.Tasks.Task Given_a_caller_who_may_not_write_into_the_record_When_it_writes_a_withheld_an_absent_or_a_versioned_id_Then_every_answer_is_the_same(
        string caller, string withheld, string interaction)
    {
        var user = AccessData.UserNamed(caller);
        using var client = data.As(user);
        var absent = "absent-" + Guid.NewGuid().ToString("N")[..12];
        var answers = new List<(string State, long? Version, string Answer)>
        {
            ("withheld", null, await AnswerAsync(client, user, interaction, withheld, null)),
            ("withheld, right version", 1, await AnswerAsync(client, user, interaction, withheld, 1)),
            ("withheld, wrong version", 5, await AnswerAsync(client, user, interaction, withheld, 5)),
            ("absent", null, await AnswerAsync(client, user, interaction, absent, null)),
            ("absent, a version", 1, await AnswerAsync(client, user, interaction, absent, 1)),
            ("absent, another version", 5, await AnswerAsync(client, user, interaction, absent, 5)),
        };

        // A condition that matches nothing answers by the request's own version precondition (412
        // naming it, or 204), alike for what is withheld and what is absent; anything else answers once.
        var conditional = interaction.StartsWith("conditional", StringComparison.Ordinal);
        foreach (var (state, version, answer) in answers)
        {
            var same = conditional ? answers.First(a => a.Version == version) : answers[0];
            answer.ShouldBe(same.Answer, $"{interaction} by {caller}: '{state}' answers otherwise than '{same.State}'");
        }

        using var alice = data.As(AccessData.Alice);
        var kept = await (await alice.GetAsync($"/fhir/Observation/{withheld}")).BodyAsync();
        kept.GetProperty("meta").GetProperty("versionId").GetString().ShouldBe("1");
        (await alice.GetAsync($"/fhir/Observation/{absent}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("PUT")]
    [InlineData("PATCH")]
    [InlineData("DELETE")]
    public async System.Threading.Tasks.Task Given_a_read_only_grantee_When_it_writes_what_it_reads_Then_it_is_refused_before_any_version_is_compared(string interaction)
    {
        using var family = data.As(AccessData.Family);
        var right = await AnswerAsync(family, AccessData.Family, interaction, "v3", 1);
        var wrong = await AnswerAsync(family, AccessData.Family, interaction, "v3", 5);
        var unversioned = await AnswerAsync(family, AccessData.Family, interaction, "v3", null);
        right.ShouldStartWith("403 ");
        wrong.ShouldBe(right);
        unversioned.ShouldBe(right);
    }

    /// <summary>One write's answer: status, headers but Date, and the body with the id named generically.</summary>
    private async Task<string> AnswerAsync(HttpClient client, TestUser caller, string interaction, string id, long? version)
    {
        var (kind, method) = interaction.Split(' ') is [var k, var m] ? (k, m) : ("plain", interaction);
        using var request = kind switch
        {
            "plain" => Single(method, $"/fhir/Observation/{id}", caller, id),
            "conditional" => Single(method, $"/fhir/Observation?_id={id}", caller, id),
            _ => BundleOf(kind, method, caller, id, version),
        };
        if (version is { } v && kind is "plain" or "conditional")
        {
            request.Headers.TryAddWithoutValidation("If-Match", $"W/\"{v}\"");
        }

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (kind == "batch")
        {
            // A batch answers 200 with each entry's outcome; the Bundle's own id and time differ.
            var entry = JsonDocument.Parse(body).RootElement.GetProperty("entry")[0].GetProperty("response");
            body = entry.GetProperty("status").GetString() + " " + (entry.TryGetProperty("outcome", out var outcome) ? outcome.GetRawText() : "");
        }

        var headers = response.Headers.Concat(response.Content.Headers)
            .Where(h => h.Key != "Date")
            .OrderBy(h => h.Key, StringComparer.Ordinal)
            .Select(h => $"{h.Key}: {string.Join(",", h.Value)}");
        return $"{(int)response.StatusCode} {string.Join("; ", headers)} {body.Replace(id, "{id}", StringComparison.Ordinal)}";
    }

    private HttpRequestMessage Single(string method, string url, TestUser caller, string id) => method switch
    {
        "PUT" => new HttpRequestMessage(HttpMethod.Put, url) { Content = FhirHttp.Json(Body(caller, id)) },
        "PATCH" => new HttpRequestMessage(HttpMethod.Patch, url) { Content = new StringContent(JsonPatch, Encoding.UTF8, "application/json-patch+json") },
        _ => new HttpRequestMessage(HttpMethod.Delete, url),
    };

    private HttpRequestMessage BundleOf(string type, string method, TestUser caller, string id, long? version)
    {
        var ifMatch = version is { } v ? $",\"ifMatch\":\"W/\\\"{v}\\\"\"" : "";
        var resource = method switch
        {
            "PUT" => $",\"resource\":{Body(caller, id)}",
            "PATCH" => $",\"resource\":{{\"resourceType\":\"Binary\",\"contentType\":\"application/json-patch+json\",\"data\":\"{Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonPatch))}\"}}",
            _ => "",
        };
        var bundle = $$"""{"resourceType":"Bundle","type":"{{type}}","entry":[{"request":{"method":"{{method}}","url":"Observation/{{id}}"{{ifMatch}}}{{resource}}}]}""";
        return new HttpRequestMessage(HttpMethod.Post, "/fhir") { Content = FhirHttp.Json(bundle) };
    }

    private string Body(TestUser caller, string id) =>
        new FhirJsonSerializer().SerializeToString(data.SealAs(caller, AccessData.Vital(id, AccessData.Pat, 61)));
}
