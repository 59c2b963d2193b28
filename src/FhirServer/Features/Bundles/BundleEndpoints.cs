namespace SeSPHR.FhirServer.Features.Bundles;

/// <summary>Batch and transaction Bundles (<c>POST [base]</c>).</summary>
public static class BundleEndpoints
{
    public static IServiceCollection AddFhirBundles(this IServiceCollection services)
    {
        services.AddOptions<BundleOptions>().BindConfiguration("Fhir:Bundles");
        services.AddScoped<BundleProcessor>();
        services.AddScoped<BundleHandler>();
        return services;
    }

    public static RouteGroupBuilder MapFhirBundles(this RouteGroupBuilder fhir)
    {
        fhir.MapPost("", (HttpRequest request, BundleHandler handler, CancellationToken cancellationToken) =>
            handler.HandleAsync(request, cancellationToken));
        return fhir;
    }
}
