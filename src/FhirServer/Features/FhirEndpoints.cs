using Microsoft.Extensions.Options;
using SeSPHR.FhirServer.Features.Metadata;
using SeSPHR.FhirServer.Features.Resources;
using SeSPHR.FhirServer.Features.Resources.Create;
using SeSPHR.FhirServer.Features.Resources.Read;
using SeSPHR.FhirServer.Http;

namespace SeSPHR.FhirServer.Features;

public static class FhirEndpoints
{
    public static IServiceCollection AddFhirApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<FhirServerOptions>(configuration.GetSection("Fhir"));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(ResourceRegistry.Default);
        services.AddSingleton<FhirSerialization>();
        services.AddSingleton<CapabilityStatementFactory>();
        services.AddSingleton<CreateResourceHandler>();
        services.AddSingleton<ReadResourceHandler>();
        return services;
    }

    /// <summary>The FHIR REST API under <c>/fhir</c>.</summary>
    public static IEndpointRouteBuilder MapFhirApi(this IEndpointRouteBuilder app)
    {
        var fhir = app.MapGroup(FhirRequest.BasePath);

        fhir.MapGet("/metadata", (HttpRequest request, CapabilityStatementFactory factory, IOptions<FhirServerOptions> options) =>
            FhirResult.Of(StatusCodes.Status200OK, factory.Create(FhirRequest.BaseUrl(request, options.Value))));

        fhir.MapPost("/{type}",
            (HttpRequest request, string type, CreateResourceHandler handler, CancellationToken cancellationToken) =>
                handler.HandleAsync(request, type, cancellationToken));

        fhir.MapGet("/{type}/{id}",
            (string type, string id, ReadResourceHandler handler, CancellationToken cancellationToken) =>
                handler.HandleAsync(type, id, cancellationToken));

        return app;
    }
}
