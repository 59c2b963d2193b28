using Microsoft.Extensions.Options;
using SeSPHR.FhirServer.Features.Access;
using SeSPHR.FhirServer.Features.Access.Audit;
using SeSPHR.FhirServer.Features.Access.Srs;
using SeSPHR.FhirServer.Features.Access.Authentication;
using SeSPHR.FhirServer.Features.Bundles;
using SeSPHR.FhirServer.Features.Metadata;
using SeSPHR.FhirServer.Features.Operations;
using SeSPHR.FhirServer.Features.Resources;
using SeSPHR.FhirServer.Features.Resources.Create;
using SeSPHR.FhirServer.Features.Resources.Delete;
using SeSPHR.FhirServer.Features.Resources.History;
using SeSPHR.FhirServer.Features.Resources.Protection;
using SeSPHR.FhirServer.Features.Resources.Read;
using SeSPHR.FhirServer.Features.Resources.Search;
using SeSPHR.FhirServer.Features.Resources.Update;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Search;

namespace SeSPHR.FhirServer.Features;

public static class FhirEndpoints
{
    public static IServiceCollection AddFhirApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<FhirServerOptions>(configuration.GetSection("Fhir"));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(ResourceRegistry.Default);
        services.AddSingleton(provider => SearchParameterRegistry.Create(
            provider.GetRequiredService<ResourceRegistry>().ResourceTypes,
            provider.GetRequiredService<IOptions<FhirServerOptions>>().Value.ProtectedSections));
        services.AddSingleton<SearchIndexer>();
        services.AddSingleton<SearchRequestParser>();
        services.AddScoped<ResourceQueries>();
        services.AddSingleton<FhirSerialization>();
        services.AddSingleton<CapabilityStatementFactory>();
        services.AddSingleton<ProtectedSectionGuard>();
        services.AddScoped<ResourceWriter>();
        services.AddScoped<CreateResourceHandler>();
        services.AddScoped<ReadResourceHandler>();
        services.AddScoped<UpdateResourceHandler>();
        services.AddScoped<DeleteResourceHandler>();
        services.AddScoped<HistoryHandler>();
        services.AddScoped<SearchHandler>();
        // The SRS clients and the durable audit first: AddFhirAccess only fills in fail-closed
        // stand-ins for what is not registered.
        services.AddSrsIntegration(configuration);
        services.AddAccessAudit(configuration);
        services.AddFhirAccess(configuration);
        services.AddFhirBundles();
        services.AddFhirOperations();
        return services;
    }

    /// <summary>The FHIR REST API under <c>/fhir</c>.</summary>
    public static IEndpointRouteBuilder MapFhirApi(this IEndpointRouteBuilder app)
    {
        var fhir = app.MapGroup(FhirRequest.BasePath);
        // Consent is read once per request, before the handler: every query of the request then
        // filters with the same candidates, taken at the same instant.
        fhir.AddEndpointFilter(async (context, next) =>
        {
            await context.HttpContext.RequestServices.GetRequiredService<RequestAccess>().PrepareAsync(context.HttpContext.RequestAborted);
            return await next(context);
        });
        fhir.MapSmartConfiguration();
        fhir.MapFhirBundles();
        fhir.MapFhirOperations();

        fhir.MapGet("/metadata", async (HttpRequest request, CapabilityStatementFactory factory, IOptions<FhirServerOptions> options) =>
            FhirResult.Of(StatusCodes.Status200OK, factory.Create(
                FhirRequest.BaseUrl(request, options.Value),
                await SmartConfiguration.EndpointsAsync(request.HttpContext.RequestServices, request.HttpContext.RequestAborted))));
        fhir.MapGet("/_history", (HttpRequest request, HistoryHandler handler, CancellationToken cancellationToken) =>
            handler.HandleAsync(request, null, null, cancellationToken));

        fhir.MapGet("/{type}", (HttpRequest request, string type, SearchHandler handler, CancellationToken cancellationToken) =>
            handler.HandleAsync(request, type, cancellationToken));
        fhir.MapPost("/{type}/_search", (HttpRequest request, string type, SearchHandler handler, CancellationToken cancellationToken) =>
            handler.HandleAsync(request, type, cancellationToken));
        fhir.MapPost("/{type}", (HttpRequest request, string type, CreateResourceHandler handler, CancellationToken cancellationToken) =>
            handler.HandleAsync(request, type, cancellationToken));
        fhir.MapPut("/{type}", (HttpRequest request, string type, UpdateResourceHandler handler, CancellationToken cancellationToken) =>
            handler.HandleConditionalAsync(request, type, cancellationToken));
        fhir.MapDelete("/{type}", (HttpRequest request, string type, DeleteResourceHandler handler, CancellationToken cancellationToken) =>
            handler.HandleConditionalAsync(request, type, cancellationToken));
        fhir.MapGet("/{type}/_history", (HttpRequest request, string type, HistoryHandler handler, CancellationToken cancellationToken) =>
            handler.HandleAsync(request, type, null, cancellationToken));

        fhir.MapGet("/{type}/{id}", (string type, string id, ReadResourceHandler handler, CancellationToken cancellationToken) =>
            handler.ReadAsync(type, id, cancellationToken));
        fhir.MapPut("/{type}/{id}", (HttpRequest request, string type, string id, UpdateResourceHandler handler, CancellationToken cancellationToken) =>
            handler.HandleAsync(request, type, id, cancellationToken));
        fhir.MapDelete("/{type}/{id}", (HttpRequest request, string type, string id, DeleteResourceHandler handler, CancellationToken cancellationToken) =>
            handler.HandleAsync(request, type, id, cancellationToken));
        fhir.MapGet("/{type}/{id}/_history", (HttpRequest request, string type, string id, HistoryHandler handler, CancellationToken cancellationToken) =>
            handler.HandleAsync(request, type, id, cancellationToken));
        fhir.MapGet("/{type}/{id}/_history/{version}", (string type, string id, string version, ReadResourceHandler handler, CancellationToken cancellationToken) =>
            handler.ReadVersionAsync(type, id, version, cancellationToken));

        return app;
    }
}
