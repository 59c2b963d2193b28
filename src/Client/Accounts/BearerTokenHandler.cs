using System.Net;
using System.Net.Http.Headers;

namespace SeSPHR.Client.Accounts;

/// <summary>
/// Sends each request with a token of one <see cref="TokenSession"/>: a fresh one when the request
/// carries none or carries the session's own expiring token, and, when the service answers 401
/// (the token was revoked, or the SRS's signing key rotated), once more with a renewed token. A
/// request that names another caller's token is left as it is, and so is one without a token unless
/// <paramref name="attachWhenMissing"/> (the FhirServer: every call is the user's; the SRS: logins,
/// registration and the token endpoint are anonymous).
/// </summary>
public sealed class BearerTokenHandler(TokenSession session, bool attachWhenMissing = true) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var named = request.Headers.Authorization is { Scheme: "Bearer" } bearer ? bearer.Parameter : null;
        if (named is null ? !attachWhenMissing : named != session.Current)
        {
            return await base.SendAsync(request, cancellationToken);
        }

        // Buffered once, so the retry can send the same body again.
        if (request.Content is not null)
        {
            await request.Content.LoadIntoBufferAsync(cancellationToken);
        }

        var token = await session.GetAsync(cancellationToken);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        response.Dispose();
        using var retry = await CopyAsync(request, cancellationToken);
        retry.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await session.RenewAsync(token, cancellationToken));
        return await base.SendAsync(retry, cancellationToken);
    }

    private static async Task<HttpRequestMessage> CopyAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var copy = new HttpRequestMessage(request.Method, request.RequestUri) { Version = request.Version, VersionPolicy = request.VersionPolicy };
        foreach (var header in request.Headers)
        {
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        if (request.Content is not null)
        {
            copy.Content = new ByteArrayContent(await request.Content.ReadAsByteArrayAsync(cancellationToken));
            foreach (var header in request.Content.Headers)
            {
                copy.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        return copy;
    }
}
