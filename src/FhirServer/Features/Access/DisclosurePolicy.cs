using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Features.Access;

/// <summary>
/// The one place every resource the server returns passes through, on every path (read, vread,
/// search and its includes, history, Bundles, $everything), and the one place that narrows what a
/// query may match. Today it lets everything through; Consent enforcement plugs in here, as a
/// filter inside the search SQL (so paging and totals never count a withheld resource) and as a
/// last check on each returned resource.
/// </summary>
public sealed class DisclosurePolicy
{
    /// <summary>An extra SQL condition on the resource table aliased <paramref name="alias"/>, or null.</summary>
#pragma warning disable CA1822 // instance members: the Consent-aware policy that replaces this body is per request
    public string? SqlFilter(string alias)
    {
        ArgumentException.ThrowIfNullOrEmpty(alias);
        return null;
    }

    /// <summary>Whether a resource read by id may be shown to the caller.</summary>
    public bool MayDisclose(StoredResource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return true;
    }

    public bool MayDisclose(StoredResourceVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        return true;
    }
#pragma warning restore CA1822
}
