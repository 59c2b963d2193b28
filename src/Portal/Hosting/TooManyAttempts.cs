using System.Globalization;

namespace SeSPHR.Portal.Hosting;

/// <summary>
/// A sign-in or registration refused by the portal's limit: status 429 with <c>Retry-After</c> in
/// seconds, remembered for the error page (<c>Pages/Error</c>), which says when to try again.
/// </summary>
public static class TooManyAttempts
{
    private static readonly object RetryAfterKey = new();

    public static void Refuse(HttpContext context, TimeSpan retryAfter)
    {
        ArgumentNullException.ThrowIfNull(context);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Items[RetryAfterKey] = seconds;
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The seconds to wait, when this request was refused by the limit; also puts <c>Retry-After</c> back on the error page's answer.</summary>
    public static int? RetryAfterSeconds(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Items[RetryAfterKey] is not int seconds)
        {
            return null;
        }

        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return seconds;
    }
}
