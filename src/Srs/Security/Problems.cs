using FluentValidation.Results;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SeSPHR.Srs.Security;

/// <summary>
/// RFC 7807 answers of the SRS's own API. The title names the field or the rule; nothing a
/// client sent is echoed back, so a secret in a wrong field never lands in a response or a log.
/// </summary>
public static class Problems
{
    public static ProblemHttpResult Of(int status, string title) =>
        TypedResults.Problem(statusCode: status, title: title);

    public static ProblemHttpResult Invalid(ValidationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var errors = result.Errors
            .GroupBy(e => e.PropertyName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray(), StringComparer.Ordinal);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status400BadRequest,
            title: result.Errors[0].ErrorMessage,
            extensions: new Dictionary<string, object?> { ["errors"] = errors });
    }

    /// <summary>ProblemDetails for framework-made 4xx and 5xx (bad JSON, unknown routes, unhandled errors) without details.</summary>
    public static IServiceCollection AddSrsProblems(this IServiceCollection services)
    {
        // A body that does not bind is the client's error (400), in Development too.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(options => options.ThrowOnBadRequest = false);
        services.Configure<ExceptionHandlerOptions>(options => options.StatusCodeSelector = exception =>
            exception is BadHttpRequestException bad ? bad.StatusCode
            : DatabaseUnavailableHandler.IsUnavailable(exception) ? StatusCodes.Status503ServiceUnavailable
            : StatusCodes.Status500InternalServerError);
        // A database that is down or full is a 503 with Retry-After, not a 500 (DatabaseUnavailableHandler).
        services.AddExceptionHandler<DatabaseUnavailableHandler>();
        return services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            // The framework's detail for a bad body can quote the input; keep only the status and title.
            context.ProblemDetails.Detail = null;
            context.ProblemDetails.Extensions.Remove("exception");
        });
    }
}
