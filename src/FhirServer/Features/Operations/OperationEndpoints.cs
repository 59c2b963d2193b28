using SeSPHR.FhirServer.Features.Operations.Everything;
using SeSPHR.FhirServer.Features.Operations.Patch;
using SeSPHR.FhirServer.Features.Operations.Validate;

namespace SeSPHR.FhirServer.Features.Operations;

/// <summary>Patch, <c>$validate</c> and <c>Patient/$everything</c>.</summary>
public static class OperationEndpoints
{
    public static IServiceCollection AddFhirOperations(this IServiceCollection services)
    {
        services.AddSingleton<OperationRegistry>();
        services.AddSingleton<ResourceValidator>();
        services.AddSingleton<WriteValidation>();
        services.AddHostedService<ValidatorWarmUp>();
        services.AddScoped<PatchResourceHandler>();
        services.AddScoped<ValidateHandler>();
        services.AddScoped<PatientEverythingQuery>();
        services.AddScoped<PatientEverythingHandler>();
        return services;
    }

    public static RouteGroupBuilder MapFhirOperations(this RouteGroupBuilder fhir)
    {
        fhir.MapPatch("/{type}/{id}", (HttpRequest request, string type, string id, PatchResourceHandler handler, CancellationToken cancellationToken) =>
            handler.HandleAsync(request, type, id, cancellationToken));
        fhir.MapPatch("/{type}", (HttpRequest request, string type, PatchResourceHandler handler, CancellationToken cancellationToken) =>
            handler.HandleConditionalAsync(request, type, cancellationToken));
        fhir.MapPost("/{type}/$validate", (HttpRequest request, string type, ValidateHandler handler, CancellationToken cancellationToken) =>
            handler.ValidateBodyAsync(request, type, cancellationToken));
        fhir.MapGet("/{type}/{id}/$validate", (string type, string id, ValidateHandler handler, CancellationToken cancellationToken) =>
            handler.ValidateStoredAsync(type, id, cancellationToken));
        fhir.MapGet("/{type}/{id}/$everything", (HttpRequest request, string type, string id, PatientEverythingHandler handler, CancellationToken cancellationToken) =>
            handler.HandleAsync(request, type, id, cancellationToken));
        return fhir;
    }
}
