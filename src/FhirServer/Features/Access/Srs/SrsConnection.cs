using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace SeSPHR.FhirServer.Features.Access.Srs;

/// <summary>
/// The FhirServer's authenticated line to the SRS: a client-credentials access token, cached until
/// shortly before it expires and renewed once when the SRS answers 401, and one place that turns
/// every way a call can fail into <see cref="SrsUnavailableException"/>. Exception messages and logs
/// name the operation and the status, never what was sent (capsules, grants, the client secret).
/// </summary>
public sealed partial class SrsConnection(IHttpClientFactory clients, IOptions<SrsOptions> options, TimeProvider clock, ILogger<SrsConnection> logger) : IDisposable
{
    public const string HttpClientName = "sesphr-srs";
    public const string Scopes = SrsScopes.Reencrypt + " " + SrsScopes.Revoke;

    private readonly SemaphoreSlim _tokenLock = new(1, 1);
    private CachedToken? _token;
    private int _tokensObtained;

    /// <summary>How many tokens were fetched from the SRS so far (cache effectiveness, for tests and diagnostics).</summary>
    public int TokensObtained => Volatile.Read(ref _tokensObtained);

    /// <summary>
    /// Sends a JSON request and reads a JSON answer, as <paramref name="operation"/> (a name for
    /// logs and messages, e.g. <c>re-encryption</c>).
    /// </summary>
    /// <exception cref="SrsUnavailableException">The SRS is not configured, did not answer in time, or did not answer as the contract says.</exception>
    public Task<TResponse> SendAsync<TRequest, TResponse>(HttpMethod method, string path, TRequest body, string operation, CancellationToken cancellationToken)
    {
        // Serialised once, with its length: the SRS reads a Content-Length body, not a chunked one.
        var json = JsonSerializer.SerializeToUtf8Bytes(body, Json);
        return ExchangeAsync<TResponse>(() => new HttpRequestMessage(method, path) { Content = JsonBody(json) }, operation, cancellationToken);
    }

    /// <summary>Reads a JSON answer from a GET, as <paramref name="operation"/>.</summary>
    /// <exception cref="SrsUnavailableException">As for <see cref="SendAsync{TRequest, TResponse}"/>.</exception>
    public Task<TResponse> GetAsync<TResponse>(string path, string operation, CancellationToken cancellationToken) =>
        ExchangeAsync<TResponse>(() => new HttpRequestMessage(HttpMethod.Get, path), operation, cancellationToken);

    private async Task<TResponse> ExchangeAsync<TResponse>(Func<HttpRequestMessage> compose, string operation, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.BaseUrl is null)
        {
            throw new SrsUnavailableException($"The SRS is not configured ({SrsOptions.Section}:BaseUrl); {operation} is unavailable.");
        }

        var token = await TokenAsync(cancellationToken);
        using var response = await SendOnceAsync(compose, token, operation, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return await ReadAsync<TResponse>(response, operation, cancellationToken);
        }

        // The token may have been revoked or the SRS's signing key rotated: one fresh token, one retry.
        Forget(token);
        token = await TokenAsync(cancellationToken);
        using var retried = await SendOnceAsync(compose, token, operation, cancellationToken);
        if (retried.StatusCode == HttpStatusCode.Unauthorized)
        {
            LogContractError(logger, operation, (int)retried.StatusCode, "a fresh service token was refused");
            throw new SrsUnavailableException($"The SRS refused the FhirServer's service token; {operation} is unavailable.");
        }

        return await ReadAsync<TResponse>(retried, operation, cancellationToken);
    }

    public void Dispose() => _tokenLock.Dispose();

    private static ByteArrayContent JsonBody(byte[] json)
    {
        var content = new ByteArrayContent(json);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    private async Task<HttpResponseMessage> SendOnceAsync(Func<HttpRequestMessage> compose, string token, string operation, CancellationToken cancellationToken)
    {
        using var request = compose();
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return await TransmitAsync(request, operation, cancellationToken);
    }

    private async Task<HttpResponseMessage> TransmitAsync(HttpRequestMessage request, string operation, CancellationToken cancellationToken)
    {
        var client = clients.CreateClient(HttpClientName);
        try
        {
            return await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        }
        catch (HttpRequestException failure)
        {
            LogUnreachable(logger, operation, failure.HttpRequestError.ToString());
            throw new SrsUnavailableException($"The SRS could not be reached; {operation} is unavailable.", failure);
        }
        catch (OperationCanceledException timeout) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient.Timeout surfaces as a cancellation the caller never asked for.
            LogUnreachable(logger, operation, "timeout");
            throw new SrsUnavailableException($"The SRS did not answer in time; {operation} is unavailable.", timeout);
        }
    }

    private async Task<T> ReadAsync<T>(HttpResponseMessage response, string operation, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        if (status >= 500)
        {
            LogUnreachable(logger, operation, $"status {status}");
            throw new SrsUnavailableException($"The SRS failed ({status}); {operation} is unavailable.");
        }

        if (!response.IsSuccessStatusCode)
        {
            // A 4xx other than 401 means the two sides disagree on the contract: worth an error in
            // the log (with the problem's title, which the SRS never fills with a secret), a 503 to the caller.
            LogContractError(logger, operation, status, await ProblemTitleAsync(response, cancellationToken));
            throw new SrsUnavailableException($"The SRS refused the request ({status}); {operation} is unavailable.");
        }

        try
        {
            return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
                ?? throw new JsonException("empty body");
        }
        catch (JsonException failure)
        {
            LogContractError(logger, operation, status, "the answer is not the JSON the contract describes");
            throw new SrsUnavailableException($"The SRS answered in an unexpected form; {operation} is unavailable.", failure);
        }
        catch (OperationCanceledException timeout) when (!cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(logger, operation, "timeout");
            throw new SrsUnavailableException($"The SRS did not answer in time; {operation} is unavailable.", timeout);
        }
    }

    private static async Task<string> ProblemTitleAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<Problem>(Json, cancellationToken);
            return problem?.Title is { Length: > 0 } title ? title[..Math.Min(title.Length, 200)] : "no problem title";
        }
        catch (JsonException)
        {
            return "no problem details";
        }
    }

    private async Task<string> TokenAsync(CancellationToken cancellationToken)
    {
        if (Current() is { } cached)
        {
            return cached;
        }

        await _tokenLock.WaitAsync(cancellationToken);
        try
        {
            // Another caller may have fetched one while this one waited.
            if (Current() is { } fetched)
            {
                return fetched;
            }

            var token = await RequestTokenAsync(cancellationToken);
            _token = token;
            Interlocked.Increment(ref _tokensObtained);
            return token.Value;
        }
        finally
        {
            _tokenLock.Release();
        }
    }

    private string? Current() =>
        _token is { } token && clock.GetUtcNow() < token.RenewAt ? token.Value : null;

    private void Forget(string token)
    {
        // Only the token that failed: a concurrent caller may already have replaced it.
        if (_token is { } current && current.Value == token)
        {
            Interlocked.CompareExchange(ref _token, null, current);
        }
    }

    private async Task<CachedToken> RequestTokenAsync(CancellationToken cancellationToken)
    {
        const string operation = "sign-in";
        var settings = options.Value;
        if (string.IsNullOrEmpty(settings.ClientSecret))
        {
            throw new SrsUnavailableException($"The FhirServer's SRS client secret is not configured ({SrsOptions.Section}:ClientSecret).");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, settings.TokenEndpoint)
        {
            Content = new FormUrlEncodedContent(
            [
                new("grant_type", "client_credentials"),
                new("client_id", settings.ClientId),
                new("client_secret", settings.ClientSecret),
                new("scope", Scopes),
            ]),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var now = clock.GetUtcNow();
        using var response = await TransmitAsync(request, operation, cancellationToken);
        if ((int)response.StatusCode is >= 400 and < 500)
        {
            // OAuth's error code (invalid_client, invalid_scope) says what is wrong; its description is not logged.
            var error = await ReadOrDefaultAsync<OAuthError>(response, cancellationToken);
            LogContractError(logger, operation, (int)response.StatusCode, error?.Error ?? "no OAuth error code");
            throw new SrsUnavailableException($"The SRS refused the FhirServer's client credentials ({(int)response.StatusCode}); the SRS is unavailable.");
        }

        var answer = await ReadAsync<TokenResponse>(response, operation, cancellationToken);
        if (string.IsNullOrEmpty(answer.AccessToken) || !string.Equals(answer.TokenType, "Bearer", StringComparison.OrdinalIgnoreCase) || answer.ExpiresIn <= 0)
        {
            LogContractError(logger, operation, (int)response.StatusCode, "the token response lacks a bearer token or its lifetime");
            throw new SrsUnavailableException("The SRS answered the token request in an unexpected form; the SRS is unavailable.");
        }

        // Renew a margin before expiry, but never later than halfway for short-lived tokens.
        var lifetime = TimeSpan.FromSeconds(answer.ExpiresIn);
        var margin = TimeSpan.FromTicks(Math.Min(settings.TokenRenewalMargin.Ticks, lifetime.Ticks / 2));
        return new CachedToken(answer.AccessToken, now + lifetime - margin);
    }

    private static async Task<T?> ReadOrDefaultAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    private sealed record CachedToken(string Value, DateTimeOffset RenewAt);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "SRS unavailable during {Operation}: {Reason}")]
    private static partial void LogUnreachable(ILogger logger, string operation, string reason);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Error, Message = "SRS contract error during {Operation}: status {Status}, {Detail}")]
    private static partial void LogContractError(ILogger logger, string operation, int status, string detail);
}
