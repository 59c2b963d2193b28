using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SeSPHR.FhirServer.Tests.Features.Access.Srs;

/// <summary>
/// An SRS on a loopback port that speaks the wire format of src/Srs/API.md just enough for the
/// FhirServer's client: a token endpoint for <c>sesphr-fhir</c>, <c>/api/reencrypt</c> (answers a
/// cfrag of the capsule's bytes reversed, with <see cref="VitalsUntil"/> for vitals, or refuses section <c>insurance</c>) and the grants
/// reconciliation. It records what arrived and can be told to misbehave.
/// </summary>
public sealed class FakeSrs : IAsyncDisposable
{
    public const string Secret = "fhir-service-secret-for-tests";

    /// <summary>The end of the period the fake's vitals kfrags have (sent as <c>until</c>); other sections have none.</summary>
    public static readonly DateTimeOffset VitalsUntil = new(2031, 5, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly WebApplication _app;
    private int _tokenCount;

    private FakeSrs(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Every request that reached an /api endpoint: method, path, Authorization header, body.</summary>
    public ConcurrentQueue<(string Method, string Path, string? Authorization, string Body)> ApiRequests { get; } = new();

    /// <summary>Every token request's form fields.</summary>
    public ConcurrentQueue<IReadOnlyDictionary<string, string>> TokenRequests { get; } = new();

    public int TokensIssued => Volatile.Read(ref _tokenCount);

    /// <summary>Tokens the API endpoints accept; issuing adds one, <see cref="RevokeAllTokens"/> empties it.</summary>
    public ConcurrentDictionary<string, bool> ValidTokens { get; } = new();

    public int ExpiresIn { get; set; } = 900;

    /// <summary>When set, the /api endpoints answer this status (with a problem body) instead of working.</summary>
    public int? ForcedStatus { get; set; }

    public TimeSpan ApiDelay { get; set; } = TimeSpan.Zero;

    /// <summary>What <c>GET /api/accounts/withdrawn</c> lists.</summary>
    public ConcurrentDictionary<Guid, DateTimeOffset> Withdrawn { get; } = new();

    public static async Task<FakeSrs> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeSrs(app);
        fake.Map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        fake.BaseUrl = new Uri(address);
        return fake;
    }

    public void RevokeAllTokens() => ValidTokens.Clear();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private void Map(WebApplication app)
    {
        app.MapPost("/connect/token", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            TokenRequests.Enqueue(form.ToDictionary(pair => pair.Key, pair => pair.Value.ToString()));
            if (form["grant_type"] != "client_credentials" || form["client_id"] != "sesphr-fhir" || form["client_secret"] != Secret)
            {
                return Results.Json(new { error = "invalid_client", error_description = "The client secret is wrong." }, statusCode: 401);
            }

            var token = $"token-{Interlocked.Increment(ref _tokenCount)}";
            ValidTokens[token] = true;
            return Results.Json(new { access_token = token, token_type = "Bearer", expires_in = ExpiresIn, scope = form["scope"].ToString() });
        });

        app.MapPost("/api/reencrypt", async (HttpRequest request) =>
        {
            var (refusal, text) = await AdmitAsync(request);
            if (refusal is not null)
            {
                return refusal;
            }

            var body = JsonNode.Parse(text)!;
            var items = body["items"]!.AsArray();
            if (items.Count > 1000)
            {
                return Results.Problem(title: "items: at most 1000", statusCode: 400);
            }

            var answers = items.Select(item => item!["section"]!.GetValue<string>() == "insurance"
                ? (object)new { @ref = item["ref"]!.GetValue<string>(), refused = "no-grant" }
                : item["section"]!.GetValue<string>() == "vitals"
                    ? new { @ref = item["ref"]!.GetValue<string>(), cfrag = Convert.FromBase64String(item["capsule"]!.GetValue<string>()).Reverse().ToArray(), until = VitalsUntil }
                    : (object)new { @ref = item["ref"]!.GetValue<string>(), cfrag = Convert.FromBase64String(item["capsule"]!.GetValue<string>()).Reverse().ToArray() });
            return Results.Json(new { items = answers.ToArray() });
        });

        app.MapGet("/api/accounts/withdrawn", async (HttpRequest request) =>
        {
            var (refusal, _) = await AdmitAsync(request);
            return refusal ?? Results.Json(new { accounts = Withdrawn.Select(pair => new { userId = pair.Key, withdrawnAt = pair.Value }).ToArray() });
        });

        app.MapPut("/api/consents/{consentId}/grants", async (HttpRequest request, string consentId) =>
        {
            var (refusal, text) = await AdmitAsync(request);
            if (refusal is not null)
            {
                return refusal;
            }

            var grants = JsonNode.Parse(text)!["grants"]!.AsArray();
            return Results.Json(new { active = grants.Count, deleted = consentId == "revoked" ? 3 : 0 });
        });
    }

    private async Task<(IResult? Refusal, string Body)> AdmitAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync();
        var authorization = request.Headers.Authorization.ToString();
        ApiRequests.Enqueue((request.Method, request.Path + request.QueryString, authorization, body));
        if (ApiDelay > TimeSpan.Zero)
        {
            await Task.Delay(ApiDelay);
        }

        if (ForcedStatus is { } status)
        {
            return (Results.Problem(title: $"forced {status}", statusCode: status), body);
        }

        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal) || !ValidTokens.ContainsKey(authorization["Bearer ".Length..]))
        {
            return (Results.Json(new { error = "invalid_token" }, statusCode: 401), body);
        }

        // The contract's JSON is camelCase and parses; anything else is the client's bug.
        if (HttpMethods.IsGet(request.Method))
        {
            return (body.Length == 0 ? null : Results.Problem(title: "a GET has no body", statusCode: 400), body);
        }

        try
        {
            JsonDocument.Parse(body).Dispose();
        }
        catch (JsonException)
        {
            return (Results.Problem(title: "body is not JSON", statusCode: 400), body);
        }

        return (null, body);
    }
}
