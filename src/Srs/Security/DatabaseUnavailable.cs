using Microsoft.AspNetCore.Diagnostics;
using Npgsql;
using SeSPHR.Srs.Features.Grants;

namespace SeSPHR.Srs.Security;

/// <summary>
/// Turns a database that is down, refusing connections (PostgreSQL's <c>max_connections</c>) or
/// whose connection pool is exhausted into 503 problem+json with <c>Retry-After</c>, never a 500:
/// the request was fine and may be repeated. Also the re-encryption log that could not be
/// committed. Nothing of the exception (its message may name the host, the user or SQL) is sent.
/// </summary>
public sealed partial class DatabaseUnavailableHandler(IProblemDetailsService problems, ILogger<DatabaseUnavailableHandler> logger) : IExceptionHandler
{
    public const string RetryAfterSeconds = "5";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (!IsUnavailable(exception))
            return false;
        LogUnavailable(logger, httpContext.Request.Method, httpContext.Request.Path, exception.GetType().Name, Innermost(exception).GetType().Name);
        ServerKeyOptions.ForgetFailedOptions(httpContext.RequestServices);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = StatusCodes.Status503ServiceUnavailable, Title = "The SRS's database is unavailable; try again shortly." },
        });
    }

    /// <summary>
    /// Whether <paramref name="exception"/> (or one it wraps: EF Core and OpenIddict wrap Npgsql's)
    /// says the database could not serve right now rather than that the request or the code is wrong:
    /// a transient Npgsql failure (connection refused or broken, pool timeout, 53xxx, 57P0x, 08xxx)
    /// or a re-encryption log batch that did not commit.
    /// </summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is ReencryptionLogUnavailableException)
                return true;
            if (current is NpgsqlException npgsql && (npgsql.IsTransient || npgsql is PostgresException { SqlState: ['5', '3', ..] or ['5', '7', 'P', ..] or ['0', '8', ..] }))
                return true;
        }

        return false;
    }

    private static Exception Innermost(Exception exception)
    {
        while (exception.InnerException is { } inner)
            exception = inner;
        return exception;
    }

    [LoggerMessage(EventId = 3302, Level = LogLevel.Warning, Message = "Database unavailable while serving {Method} {Path} ({Exception}, {Cause}); answered 503")]
    private static partial void LogUnavailable(ILogger logger, string method, PathString path, string exception, string cause);
}
