using System.Collections.Concurrent;
using System.Text;
using SeSPHR.Client.Accounts;
using SeSPHR.SystemTests.Infrastructure;
using Xunit.Abstractions;

namespace SeSPHR.SystemTests.Fuzz;

/// <summary>
/// A bounded fuzz run over every endpoint of both services, on real processes: mutated FHIR JSON
/// and XML bodies (from the shared examples, negative and malformed ones included), mutated search
/// strings, ids and conditional criteria, garbled tokens, and mutated SRS bodies (registration,
/// enrolment, login, kdf, token and authorize forms, grants, re-encryption, directory). Whatever
/// arrives, the answer is a 4xx or a success, within a deadline: never a 5xx, never a hang, never
/// a dropped connection. The seed is printed (set <c>SESPHR_FUZZ_SEED</c> to replay a run), and a
/// failure names each request that failed.
/// </summary>
[Collection(FuzzedSystemGroup.Name)]
public sealed class EndpointFuzzTests(FuzzedSystem fuzzed, ITestOutputHelper output)
{
    private const int FhirRequests = 2000;
    private const int SrsRequests = 1000;
    private const int Parallel = 4;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static readonly string[] Types =
        ["Patient", "Observation", "Condition", "MedicationRequest", "Coverage", "Consent", "Provenance", "Device", "Practitioner", "Organization", "Encounter", "AuditEvent", "Location", "Nothing"];

    private static readonly string[] SearchNames =
    [
        "name", "family", "given", "birthdate", "date", "_lastUpdated", "identifier", "code", "subject", "patient", "_id", "_sort", "_include", "_revinclude",
        "_count", "_summary", "_total", "_elements", "_cursor", "_format", "status", "value-quantity", "gender", "_has:Observation:subject:code", "_type", "_since",
        "address", "telecom", "category", "name:missing", "name:exact", "name:contains", "code:not", "subject:Patient", "%00", "a%00b", "_count:x", ":", "",
    ];

    private static int Seed =>
        int.TryParse(Environment.GetEnvironmentVariable("SESPHR_FUZZ_SEED"), out var seed) ? seed : 20261207;

    [Fact]
    public async Task Given_mutated_fhir_requests_When_sent_to_the_FhirServer_Then_none_answers_5xx_or_hangs()
    {
        var mutator = new Mutator(Seed);
        output.WriteLine($"FhirServer fuzz: seed {Seed} (SESPHR_FUZZ_SEED replays it), {FhirRequests} requests");
        var corpus = FuzzCorpus.Load();
        output.WriteLine($"corpus: {corpus.Json.Count} JSON and {corpus.Xml.Count} XML bodies");
        var requests = Enumerable.Range(0, FhirRequests).Select(n => FhirRequest(n, mutator, corpus)).ToList();

        var failures = await RunAsync(requests);

        failures.ShouldBeEmpty(Report("FhirServer", failures));
    }

    [Fact]
    public async Task Given_mutated_srs_requests_When_sent_to_the_SRS_Then_none_answers_5xx_or_hangs()
    {
        var mutator = new Mutator(Seed + 1);
        output.WriteLine($"SRS fuzz: seed {Seed + 1} (SESPHR_FUZZ_SEED + 1), {SrsRequests} requests");
        var requests = Enumerable.Range(0, SrsRequests).Select(n => SrsRequest(n, mutator)).ToList();

        var failures = await RunAsync(requests);

        failures.ShouldBeEmpty(Report("SRS", failures));
    }

    private string Report(string service, IReadOnlyCollection<string> failures)
    {
        var text = $"{failures.Count} {service} request(s) answered 5xx, hung or dropped the connection (seed {Seed}):\n" + string.Join("\n", failures.Take(40));
        output.WriteLine(text);
        return text;
    }

    /// <summary>One FHIR request: a body write, a search, a read, a conditional interaction or a Bundle, with a valid or garbled token.</summary>
    private FuzzRequest FhirRequest(int n, Mutator m, FuzzCorpus corpus)
    {
        var (tokenKind, authorization) = FhirToken(m);
        var type = m.Pick(Types);
        var id = m.Chance(0.7) ? "fz-" + m.Next(50) : m.EvilQueryValue();
        var fhir = fuzzed.System.Endpoints.Fhir.ToString().TrimEnd('/');
        switch (m.Next(12))
        {
            case 0 or 1 or 2 or 3:
            {
                var (name, body, mediaType) = Body(m, corpus);
                var (method, path) = m.Next(5) switch
                {
                    0 => (HttpMethod.Put, $"{TypeOf(body, type)}/{id}"),
                    1 => (HttpMethod.Post, ""),
                    2 => (HttpMethod.Post, $"{TypeOf(body, type)}/$validate"),
                    3 => (HttpMethod.Put, $"{TypeOf(body, type)}?{m.Pick(SearchNames)}={m.EvilQueryValue()}"),
                    _ => (HttpMethod.Post, TypeOf(body, type)),
                };
                return new FuzzRequest($"#{n} {method} /fhir/{path} [{tokenKind}] body {name} mutated", method, $"{fhir}/{path}", authorization, body, mediaType);
            }

            case 4 or 5 or 6:
                return new FuzzRequest($"#{n} GET search [{tokenKind}]", HttpMethod.Get, $"{fhir}/{type}?{Query(m)}", authorization, null, null);
            case 7:
                return new FuzzRequest($"#{n} POST _search form [{tokenKind}]", HttpMethod.Post, $"{fhir}/{type}/_search", authorization, Query(m), "application/x-www-form-urlencoded");
            case 8:
            {
                var path = m.Next(6) switch
                {
                    0 => $"{type}/{id}",
                    1 => $"{type}/{id}/_history/{m.Pick(["1", "0", "-1", "99999999999999999999", "x", "%00"])}",
                    2 => $"{type}/{id}/_history?{Query(m)}",
                    3 => $"Patient/{id}/$everything?{Query(m)}",
                    4 => $"_history?_since={m.EvilQueryValue()}&_count={m.EvilQueryValue()}",
                    _ => $"{type}/{id}/$validate",
                };
                return new FuzzRequest($"#{n} GET /fhir/{path} [{tokenKind}]", HttpMethod.Get, $"{fhir}/{path}", authorization, null, null);
            }

            case 9:
            {
                var method = m.Pick([HttpMethod.Delete, HttpMethod.Patch]);
                var path = m.Chance(0.5) ? $"{type}/{id}" : $"{type}?{Query(m)}";
                var patch = method == HttpMethod.Patch
                    ? m.MutateJson("""[{"op":"replace","path":"/active","value":true},{"op":"add","path":"/birthDate","value":"9999-12-31"}]""")
                    : null;
                return new FuzzRequest($"#{n} {method} /fhir/{path} [{tokenKind}]", method, $"{fhir}/{path}", authorization, patch,
                    patch is null ? null : m.Pick(["application/json-patch+json", "application/fhir+json", "text/plain"]));
            }

            case 10:
            {
                var (name, body, mediaType) = Body(m, corpus);
                var request = new FuzzRequest($"#{n} POST /fhir/{type} If-None-Exist [{tokenKind}] body {name}", HttpMethod.Post, $"{fhir}/{TypeOf(body, type)}", authorization, body, mediaType);
                return request with { Headers = [("If-None-Exist", Query(m)), ("If-Match", m.Pick(["W/\"1\"", "W/\"x\"", "*", "\"99999999999999999999\""])), ("Prefer", m.Pick(["return=representation", "handling=strict", "return=x"]))] };
            }

            default:
                return new FuzzRequest($"#{n} GET /fhir/metadata and discovery [{tokenKind}]", HttpMethod.Get,
                    $"{fhir}/{m.Pick(["metadata", ".well-known/smart-configuration", "", "$everything", "Patient/$validate", "_search"])}?_format={m.Pick(["json", "xml", "x", "%00", "application/fhir+xml"])}", authorization, null, null)
                { Headers = [("Accept", m.Pick(["application/fhir+xml", "text/html", "*/*", "application/x", "application/fhir+json; fhirVersion=9"]))] };
        }
    }

    private (string Kind, string? Header) FhirToken(Mutator m)
    {
        var roll = m.Next(10);
        if (roll < 6)
        {
            return ("patient token", "Bearer " + fuzzed.Patient.RequireAccessToken);
        }

        if (roll < 8)
        {
            return ("doctor token", "Bearer " + fuzzed.Doctor.RequireAccessToken);
        }

        var (kind, header) = m.GarbleToken(fuzzed.Patient.RequireAccessToken);
        return ("token " + kind, header);
    }

    private static (string Name, string Body, string MediaType) Body(Mutator m, FuzzCorpus corpus)
    {
        if (m.Chance(0.25) && corpus.Xml.Count > 0)
        {
            var (name, xml) = m.Pick(corpus.Xml);
            return (name, m.Chance(0.9) ? m.MutateXml(xml) : xml, m.Chance(0.9) ? "application/fhir+xml" : "application/fhir+json");
        }

        var (jsonName, json) = m.Pick(corpus.Json);
        return (jsonName, m.Chance(0.9) ? m.MutateJson(json) : json, m.Pick(["application/fhir+json", "application/fhir+json", "application/json", "application/fhir+json; charset=utf-16", "text/plain"]));
    }

    private static string TypeOf(string body, string fallback)
    {
        var marker = body.IndexOf("\"resourceType\"", StringComparison.Ordinal);
        if (marker >= 0)
        {
            var start = body.IndexOf('"', body.IndexOf(':', marker) + 1) + 1;
            var end = start > 0 ? body.IndexOf('"', start) : -1;
            if (end > start && end - start < 40 && body[start..end].All(char.IsAsciiLetter))
            {
                return body[start..end];
            }
        }

        return fallback;
    }

    private static string Query(Mutator m)
    {
        var parts = new List<string>();
        var count = 1 + m.Next(4);
        for (var i = 0; i < count; i++)
        {
            var value = m.Chance(0.6) ? m.EvilQueryValue() : m.Pick(["Patient/fz-p", "2024", "ge2020-01-01", "fz-p", "http://loinc.org|8867-4", "count", "accurate", "Observation:subject", "-date", "5", "id,meta", "true"]);
            parts.Add($"{m.Pick(SearchNames)}={value}");
        }

        return m.Chance(0.05) ? m.MutateText(string.Join("&", parts)) : string.Join("&", parts);
    }

    /// <summary>One SRS request: an account, login, token, grant, re-encryption or directory call, with a mutated body, query or token.</summary>
    private FuzzRequest SrsRequest(int n, Mutator m)
    {
        var srs = fuzzed.System.Endpoints.Srs.ToString().TrimEnd('/');
        var patientToken = fuzzed.Patient.RequireSrsAccessToken;
        var (tokenKind, garbled) = m.GarbleToken(patientToken);
        var (kind, authorization) = m.Chance(0.6) ? ("patient token", "Bearer " + patientToken) : ("token " + tokenKind, garbled);
        var username = m.Chance(0.5) ? fuzzed.Patient.Username : m.EvilQueryValue();
        var json = JsonString(m);
        switch (m.Next(12))
        {
            case 0:
                return new FuzzRequest($"#{n} GET kdf username={username}", HttpMethod.Get, $"{srs}/api/accounts/kdf?username={username}", null, null, null);
            case 1:
                return Json($"#{n} POST /api/accounts", $"{srs}/api/accounts", null, m.MutateJson(Registration(json(), "patient")));
            case 2:
                return Json($"#{n} POST /api/enrolment", $"{srs}/api/enrolment", null, m.MutateJson(Registration(json(), null).Replace("{", "{\"code\":\"" + json() + "\",", StringComparison.Ordinal)));
            case 3:
                return Json($"#{n} POST /account/login", $"{srs}/account/login", null,
                    m.Chance(0.8) ? $$"""{"username":"{{json()}}","authSecret":"{{json()}}"}""" : m.MutateJson($$"""{"username":"{{fuzzed.Patient.Username}}","authSecret":"AAAA"}"""));
            case 4:
            {
                var form = $"grant_type={m.Pick(["authorization_code", "refresh_token", "client_credentials", "password", "%00", ""])}&code={m.EvilQueryValue()}" +
                    $"&code_verifier={m.EvilQueryValue()}&refresh_token={m.EvilQueryValue()}&client_id={m.Pick(["sesphr-app", "sesphr-fhir", "%00", m.EvilQueryValue()])}" +
                    $"&client_secret={m.EvilQueryValue()}&redirect_uri={m.Pick(["http://127.0.0.1/callback", "%00", m.EvilQueryValue()])}&scope={m.Pick(["openid fhirUser", "srs.grants", "%00", m.EvilQueryValue()])}" +
                    $"&client_assertion_type={m.Pick(["urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "x"])}&client_assertion={m.EvilQueryValue()}";
                return new FuzzRequest($"#{n} POST /connect/token form", HttpMethod.Post, $"{srs}/connect/token", null, m.Chance(0.2) ? m.MutateText(form) : form, "application/x-www-form-urlencoded");
            }

            case 5:
                return new FuzzRequest($"#{n} GET /connect/authorize", HttpMethod.Get,
                    $"{srs}/connect/authorize?response_type={m.Pick(["code", "token", "%00"])}&client_id={m.Pick(["sesphr-app", m.EvilQueryValue()])}&redirect_uri={m.EvilQueryValue()}" +
                    $"&scope={m.EvilQueryValue()}&state={m.EvilQueryValue()}&code_challenge={m.EvilQueryValue()}&code_challenge_method={m.Pick(["S256", "plain", "%00"])}", null, null, null);
            case 6:
                return Json($"#{n} POST /api/grants [{kind}]", $"{srs}/api/grants", authorization, m.MutateJson(
                    $$"""{"consentId":"{{json()}}","grantStatement":"AAAA","kfrags":[{"section":"vitals","epoch":1,"granteeId":"{{json()}}","delegatingPublicKey":"AAAA","kfrag":"AAAA","start":"2020-01-01T00:00:00Z","end":"9999-12-31T23:59:59.999+14:00"}]}"""));
            case 7:
                return new FuzzRequest($"#{n} GET grants [{kind}]", HttpMethod.Get,
                    $"{srs}/api/grants{m.Pick(["", "/pending-members"])}?consentId={m.EvilQueryValue()}", authorization, null, null);
            case 8:
                return Json($"#{n} POST /api/reencrypt [{kind}]", $"{srs}/api/reencrypt", authorization, m.MutateJson(
                    $$"""{"granteeId":"{{json()}}","items":[{"ref":"{{json()}}","patient":"Patient/{{json()}}","section":"vitals","epoch":1,"capsule":"AAAA"}]}"""));
            case 9:
                return new FuzzRequest($"#{n} GET directory [{kind}]", HttpMethod.Get,
                    $"{srs}/api/directory{m.Pick(["?fhirUser=" + m.EvilQueryValue(), "?role=" + m.EvilQueryValue(), "/users/" + m.EvilQueryValue(), "?username=" + m.EvilQueryValue()])}", authorization, null, null);
            case 10:
                return new FuzzRequest($"#{n} account call [{kind}]", m.Pick([HttpMethod.Get, HttpMethod.Post, HttpMethod.Delete]),
                    $"{srs}/api/accounts/{m.Pick(["me", "me/backup", "withdrawn", m.EvilQueryValue() + "/approval", m.EvilQueryValue() + "/suspension"])}", authorization, null, null);
            default:
                return new FuzzRequest($"#{n} GET discovery", HttpMethod.Get,
                    $"{srs}/{m.Pick([".well-known/openid-configuration", ".well-known/jwks", "connect/userinfo", "healthz", "api/%00", "connect/token"])}", authorization, null, null);
        }
    }

    /// <summary>A JSON string's content: usually evil, sometimes a plain value.</summary>
    private static Func<string> JsonString(Mutator m) => () => m.Chance(0.7)
        ? m.Pick([@"\u0000", @"a\u0000b", @"\ud800", "9999-12-31T23:59:59.999+14:00", "Patient/x", "", " ", "%00", "admin", m.LongText(m.Pick([300, 3000]))])
        : "fz-" + m.Next(1000);

    private static string Registration(string username, string? role) =>
        $$"""{"username":"{{username}}",{{(role is null ? "" : $"\"role\":\"{role}\",")}}"fhirUser":"Patient/{{username}}","kdf":{"salt":"AAAAAAAAAAAAAAAAAAAAAA==","memoryKiB":65536,"iterations":3,"parallelism":1},"authSecret":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","umbralPublicKey":"AAAA","signingPublicKey":"AAAA","wrappedBackup":"AAAA"}""";

    private static FuzzRequest Json(string description, string url, string? authorization, string body) =>
        new(description, HttpMethod.Post, url, authorization, body, "application/json");

    private static async Task<IReadOnlyCollection<string>> RunAsync(IReadOnlyList<FuzzRequest> requests)
    {
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var failures = new ConcurrentBag<(int Order, string Text)>();
        var next = -1;
        var workers = Enumerable.Range(0, Parallel).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < requests.Count)
            {
                if (await SendAsync(http, requests[index]) is { } failure)
                {
                    failures.Add((index, failure));
                }
            }
        });
        await Task.WhenAll(workers);
        return failures.OrderBy(f => f.Order).Select(f => f.Text).ToList();
    }

    /// <summary>Null when the server answered below 500 in time; otherwise what went wrong, naming the request.</summary>
    private static async Task<string?> SendAsync(HttpClient http, FuzzRequest request)
    {
        if (!Uri.TryCreate(request.Url, UriKind.Absolute, out var url))
        {
            return null;
        }

        using var message = new HttpRequestMessage(request.Method, url);
        if (request.Authorization is not null)
        {
            message.Headers.TryAddWithoutValidation("Authorization", request.Authorization);
        }

        foreach (var (name, value) in request.Headers)
        {
            // HTTP carries visible ASCII in headers; anything else the client itself refuses to send.
            message.Headers.TryAddWithoutValidation(name, new string([.. value.Where(c => c is >= ' ' and <= '~')]));
        }

        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(request.Body));
            message.Content.Headers.TryAddWithoutValidation("Content-Type", request.MediaType ?? "application/octet-stream");
        }

        using var deadline = new CancellationTokenSource(Deadline);
        try
        {
            using var response = await http.SendAsync(message, deadline.Token);
            var body = await response.Content.ReadAsStringAsync(deadline.Token);
            return (int)response.StatusCode >= 500 ? $"{request}: {(int)response.StatusCode} {Shorten(body, 200)}" : null;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return $"{request}: no answer within {Deadline.TotalSeconds} s";
        }
        catch (HttpRequestException dropped)
        {
            return $"{request}: {dropped.HttpRequestError} ({dropped.Message})";
        }
    }

    private static string Shorten(string text, int length)
    {
        var escaped = text.Length > length ? text[..length] + "…" : text;
        return new string([.. escaped.Select(c => char.IsControl(c) || char.IsSurrogate(c) ? '·' : c)]);
    }

    private sealed record FuzzRequest(string Description, HttpMethod Method, string Url, string? Authorization, string? Body, string? MediaType)
    {
        public IReadOnlyList<(string Name, string Value)> Headers { get; init; } = [];

        public override string ToString() =>
            $"{Description}: {Method} {Shorten(Url, 300)}{(Body is null ? "" : $" body[{Body.Length}] {Shorten(Body, 240)}")}";
    }
}

/// <summary>A running system of its own for the fuzz run, so its junk never meets the other end-to-end tests, with a patient and a doctor signed in.</summary>
public sealed class FuzzedSystem : IAsyncLifetime
{
    public SesphrSystem System { get; } = new();

    public PhrUser Patient { get; private set; } = null!;

    public PhrUser Doctor { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await System.InitializeAsync();
        Patient = await System.NewPatientAsync("fuzz-patient");
        // The SRS requests below carry the patient's SRS token, asked for once here.
        await Patient.GetSrsAccessTokenAsync();
        Doctor = await System.NewMemberAsync("fuzz-doctor", SrsRoles.Practitioner);
    }

    public async Task DisposeAsync()
    {
        Patient?.Dispose();
        Doctor?.Dispose();
        await System.DisposeAsync();
    }
}

/// <summary>
/// The fuzz run holds every request to a deadline, so it runs alone, after the other collections:
/// beside a CPU-bound neighbour (the CLI's Argon2id sign-ins, sealed imports) on two cores a slow
/// answer would be the neighbour's doing, not the server's.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FuzzedSystemGroup : ICollectionFixture<FuzzedSystem>
{
    public const string Name = "fuzzed system";
}
