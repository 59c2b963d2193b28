namespace SeSPHR.FhirServer.Features.Bundles;

/// <summary>Batch and transaction Bundles (<c>POST [base]</c>).</summary>
public static class BundleEndpoints
{
    public static IServiceCollection AddFhirBundles(this IServiceCollection services) => services;

    public static RouteGroupBuilder MapFhirBundles(this RouteGroupBuilder fhir) => fhir;
}
