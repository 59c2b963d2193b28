using SeSPHR.Client.Errors;

namespace SeSPHR.Client.Accounts;

/// <summary>
/// Turns every way a service can fail to answer (connection refused, a timeout, a 5xx) into the
/// caller's typed error for that service, <see cref="SrsUnavailableException"/> or
/// <see cref="FhirServerUnavailableException"/>, so an application catches one type and retries
/// later. The message names the service and the status only, never what was sent. The handler
/// keeps the time limit itself (the HttpClient above it should have none): a timeout inside
/// HttpClient is a cancellation that cannot be told from the caller's own.
/// </summary>
public sealed class UnavailableServiceHandler(string service, TimeSpan timeout, Func<string, Exception?, Exception> unavailable) : DelegatingHandler
{
    /// <summary>How long a call may take when nothing else is said.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>For calls to the SRS.</summary>
    public static UnavailableServiceHandler ForSrs(TimeSpan? timeout = null) =>
        new("The SRS", timeout ?? DefaultTimeout, (message, inner) => new SrsUnavailableException(message, inner));

    /// <summary>For calls to the FhirServer.</summary>
    public static UnavailableServiceHandler ForFhirServer(TimeSpan? timeout = null) =>
        new("The FhirServer", timeout ?? DefaultTimeout, (message, inner) => new FhirServerUnavailableException(message, inner));

    /// <summary>This handler in front of <paramref name="inner"/>.</summary>
    public UnavailableServiceHandler Wrapping(HttpMessageHandler inner)
    {
        InnerHandler = inner;
        return this;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            response = await base.SendAsync(request, limit.Token);
        }
        catch (HttpRequestException failure)
        {
            throw unavailable($"{service} could not be reached ({failure.HttpRequestError}); try again later.", failure);
        }
        catch (OperationCanceledException timeout) when (!cancellationToken.IsCancellationRequested)
        {
            throw unavailable($"{service} did not answer in time; try again later.", timeout);
        }

        if ((int)response.StatusCode >= 500)
        {
            var status = (int)response.StatusCode;
            response.Dispose();
            throw unavailable($"{service} failed ({status}); try again later.", null);
        }

        return response;
    }
}
