using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SeSPHR.Client.Errors;
using SeSPHR.Portal.Hosting;
using SeSPHR.Portal.Times;

namespace SeSPHR.Portal.Pages;

/// <summary>
/// What a person sees when something failed: what it means for them, never the exception. A
/// server that cannot be reached is named; anything else is a generic message with the request id.
/// </summary>
[IgnoreAntiforgeryToken]
[ResponseCache(Duration = 0, Location = ResponseCacheLocation.None, NoStore = true)]
public sealed class ErrorModel(ReaderTimeZone zone, TimeProvider clock) : PageModel
{
    public string Title { get; private set; } = "Something went wrong";

    public string Message { get; private set; } = "The portal could not finish this. Nothing was changed that you were not told about.";

    public string RequestId => HttpContext.TraceIdentifier;

    /// <summary>Set when the portal's sign-in limit refused the request: how long to wait.</summary>
    public int? RetryAfterSeconds { get; private set; }

    // No handler parameters: the status is the failed request's own, and nothing is bound from a
    // request body that may be the malformed one that brought the person here.
    public void OnGet() => Describe();

    public void OnPost() => Describe();

    private void Describe()
    {
        var failure = HttpContext.Features.Get<IExceptionHandlerFeature>()?.Error;
        var status = HttpContext.Features.Get<IStatusCodeReExecuteFeature>() is null ? (int?)null : Response.StatusCode;
        (Title, Message) = (failure, status) switch
        {
            (SrsUnavailableException, _) => ("The key server is not reachable", "The SRS did not answer. Your data is safe; try again in a moment."),
            (FhirServerUnavailableException, _) => ("The record server is not reachable", "The FhirServer did not answer. Your data is safe; try again in a moment."),
            (HttpRequestException { StatusCode: null } or TimeoutException or TaskCanceledException { InnerException: TimeoutException }, _) => ("A server is not reachable", "The SRS or the FhirServer did not answer. Your data is safe; try again in a moment."),
            (SeSPHRClientException, _) => ("The record did not check out", "Something in the record failed its integrity check and was not shown."),
            (_, 400) => ("Bad request", "The form could not be accepted: it may have expired. Go back, reload the page and try again."),
            (_, 404) => ("Not found", "There is no such page."),
            (_, 429) => ("Too many attempts", "Too many sign-in or registration attempts from this address. Wait a minute, then try again."),
            _ => (Title, Message),
        };
        if (status == StatusCodes.Status429TooManyRequests && TooManyAttempts.RetryAfterSeconds(HttpContext) is { } seconds)
        {
            RetryAfterSeconds = seconds;
            var at = zone.Labelled(clock.GetUtcNow().AddSeconds(seconds), "HH:mm:ss");
            Message = $"Too many sign-in or registration attempts from this address. Try again in {seconds} {(seconds == 1 ? "second" : "seconds")}, at {at}.";
        }
        if (Title.EndsWith("not reachable", StringComparison.Ordinal))
        {
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        }
    }
}
