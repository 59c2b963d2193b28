namespace SeSPHR.FhirServer.Features.Operations;

/// <summary>Patch, <c>$validate</c> and <c>Patient/$everything</c>.</summary>
public static class OperationEndpoints
{
    public static IServiceCollection AddFhirOperations(this IServiceCollection services) => services;

    public static RouteGroupBuilder MapFhirOperations(this RouteGroupBuilder fhir) => fhir;
}
