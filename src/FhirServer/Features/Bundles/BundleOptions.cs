namespace SeSPHR.FhirServer.Features.Bundles;

/// <summary>Limits of batch and transaction Bundles (configuration section <c>Fhir:Bundles</c>).</summary>
public sealed class BundleOptions
{
    /// <summary>
    /// The most entries one Bundle may hold. The body size limit bounds parsing; this bounds the
    /// work and the response of one request (and one database transaction).
    /// </summary>
    public int MaxEntries { get; set; } = 10_000;
}
