namespace SeSPHR.FhirServer.Http;

/// <summary>
/// Every FHIR response may carry patient data (a resource, a Bundle, a count, even an
/// OperationOutcome that names an id), so none may be kept by a browser, a proxy or a shared
/// cache: <c>Cache-Control: no-store</c> on all of them, errors included. The CapabilityStatement
/// and SMART discovery describe the server only and stay cacheable.
/// </summary>
public sealed class NoStoreMiddleware(RequestDelegate next)
{
    public System.Threading.Tasks.Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments(FhirRequest.BasePath, out var rest) && !IsDiscovery(rest))
        {
            // Set as the headers go out: an error answer clears the response's headers first.
            context.Response.OnStarting(() =>
            {
                context.Response.Headers.CacheControl = "no-store";
                context.Response.Headers.Pragma = "no-cache";
                return System.Threading.Tasks.Task.CompletedTask;
            });
        }

        return next(context);
    }

    private static bool IsDiscovery(PathString rest) =>
        rest.Equals("/metadata", StringComparison.Ordinal) || rest.StartsWithSegments("/.well-known");
}

public static class NoStoreHandling
{
    public static IApplicationBuilder UseFhirNoStore(this IApplicationBuilder app) => app.UseMiddleware<NoStoreMiddleware>();
}
