using Hl7.Fhir.Model;

namespace SeSPHR.FhirServer.Http;

/// <summary>
/// Makes every error a FHIR OperationOutcome with the right status: refusals the handlers
/// raise, requests no route matches (404) or no method serves (405), oversized bodies (413),
/// values the database refuses (400), and,
/// as a last resort, unexpected failures (500, with no detail and no stack trace).
/// </summary>
public sealed partial class FhirErrorMiddleware(RequestDelegate next, ILogger<FhirErrorMiddleware> logger)
{
    public async System.Threading.Tasks.Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (FhirException refusal) when (!context.Response.HasStarted)
        {
            // Every 503 here is transient (the audit, the SRS or the database could not answer), so
            // the client is always told when to come back.
            var retryAfter = refusal.StatusCode == StatusCodes.Status503ServiceUnavailable ? RetryAfterSeconds : null;
            await WriteAsync(context, refusal.StatusCode, refusal.Outcome, retryAfter);
            return;
        }
        catch (InvalidDataException malformed) when (!context.Response.HasStarted)
        {
            // ASP.NET's form reader refuses a body it cannot decode (a NUL, bytes that are not
            // UTF-8): the request is malformed, whatever parameter held it.
            LogMalformedBody(logger, context.Request.Method, context.Request.Path, malformed.GetType().Name);
            await WriteAsync(context, StatusCodes.Status400BadRequest,
                FhirException.OutcomeOf(OperationOutcome.IssueType.Invalid, "The request body is malformed.", null));
            return;
        }
        catch (BadHttpRequestException bad) when (!context.Response.HasStarted)
        {
            var code = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? OperationOutcome.IssueType.TooLong : OperationOutcome.IssueType.Invalid;
            var text = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is larger than this server accepts." : "The request is malformed.";
            await WriteAsync(context, bad.StatusCode, FhirException.OutcomeOf(code, text, null));
            return;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        catch (Exception refused) when (!context.Response.HasStarted && Storage.PostgresText.IsRefusedValue(refused))
        {
            LogRefusedValue(logger, context.Request.Method, context.Request.Path, refused.GetType().Name);
            var answer = Storage.PostgresText.RefusedValue();
            await WriteAsync(context, answer.StatusCode, answer.Outcome);
            return;
        }
        catch (Exception unavailable) when (!context.Response.HasStarted && IsDatabaseUnavailable(unavailable))
        {
            // The database is down, refusing connections (max_connections) or the pool is exhausted:
            // the request was fine and may be repeated, so 503 with Retry-After, not 500.
            LogDatabaseUnavailable(logger, context.Request.Method, context.Request.Path, unavailable.GetType().Name);
            await WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
                FhirException.OutcomeOf(OperationOutcome.IssueType.Transient, "The database is unavailable; try again shortly.", null),
                RetryAfterSeconds);
            return;
        }
        catch (Exception unexpected) when (!context.Response.HasStarted)
        {
            // The exception's type and stack go to the server log only; messages of database and
            // parser exceptions can quote request content, so the client gets a fixed text.
            LogUnexpected(logger, unexpected.GetType().FullName ?? "exception", context.Request.Method, context.Request.Path, unexpected);
            await WriteAsync(context, StatusCodes.Status500InternalServerError,
                FhirException.OutcomeOf(OperationOutcome.IssueType.Exception, "The server failed to process the request.", null));
            return;
        }

        if (!context.Response.HasStarted && context.Response.ContentLength is null && context.Response.ContentType is null
            && context.Response.StatusCode is StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed)
        {
            var notFound = context.Response.StatusCode == StatusCodes.Status404NotFound;
            await WriteAsync(context, context.Response.StatusCode, FhirException.OutcomeOf(
                notFound ? OperationOutcome.IssueType.NotFound : OperationOutcome.IssueType.NotSupported,
                notFound ? "No FHIR interaction is served at this URL." : $"{context.Request.Method} is not supported at this URL.",
                null));
        }
    }

    /// <summary>Seconds a client is told to wait after a 503 for an unavailable database.</summary>
    public const string RetryAfterSeconds = "5";

    /// <summary>
    /// A transient Npgsql failure anywhere in the chain (Marten and EF wrap Npgsql's): connection
    /// refused or broken, pool timeout, or a server that refuses for lack of resources (53xxx), is
    /// shutting down (57P0x) or dropped the connection (08xxx). Not a constraint or syntax error.
    /// </summary>
    public static bool IsDatabaseUnavailable(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is Npgsql.NpgsqlException npgsql
                && (npgsql.IsTransient || npgsql is Npgsql.PostgresException { SqlState: ['5', '3', ..] or ['5', '7', 'P', ..] or ['0', '8', ..] }))
            {
                return true;
            }
        }

        return false;
    }

    private static async System.Threading.Tasks.Task WriteAsync(HttpContext context, int status, OperationOutcome outcome, string? retryAfter = null)
    {
        context.Response.Clear();
        if (retryAfter is not null)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }

        try
        {
            await FhirResult.Of(status, outcome).ExecuteAsync(context);
        }
        catch (FhirException)
        {
            // The client asked for an unknown _format; answer the error in JSON.
            context.Request.QueryString = QueryString.Empty;
            context.Request.Headers.Accept = FhirFormats.JsonMediaType;
            await FhirResult.Of(status, outcome).ExecuteAsync(context);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Malformed body refused while serving {Method} {Path} ({ExceptionType})")]
    private static partial void LogMalformedBody(ILogger logger, string method, string path, string exceptionType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database unavailable while serving {Method} {Path} ({ExceptionType}); answered 503")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string method, PathString path, string exceptionType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database refused a value while serving {Method} {Path} ({ExceptionType}); answered 400")]
    private static partial void LogRefusedValue(ILogger logger, string method, PathString path, string exceptionType);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected {ExceptionType} while serving {Method} {Path}")]
    private static partial void LogUnexpected(ILogger logger, string exceptionType, string method, PathString path, Exception exception);
}

public static class FhirErrorHandling
{
    public static IApplicationBuilder UseFhirErrors(this IApplicationBuilder app) => app.UseMiddleware<FhirErrorMiddleware>();
}
