using Hl7.Fhir.Model;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Client.Fhir;

namespace SeSPHR.SystemTests.Scenarios.Support;

/// <summary>How one resource came back in a response: absent, or present with or without envelopes and cfrags.</summary>
public static class ServedResource
{
    /// <summary>The resource <c>{type}/{id}</c> in a single-resource response or anywhere in a bundle (including transaction responses); null when absent.</summary>
    public static Resource? Find(FhirResponse response, string type, string id)
    {
        if (response.Resource is Bundle bundle)
        {
            return bundle.Entry
                .SelectMany(e => new[] { e.Resource, e.Response?.Outcome })
                .Concat(bundle.Entry.Select(e => e.Resource).OfType<Bundle>().SelectMany(b => b.Entry.Select(inner => inner.Resource)))
                .OfType<Resource>()
                .FirstOrDefault(r => r.TypeName == type && r.Id == id);
        }

        return response.Resource is { } single && single.TypeName == type && single.Id == id ? single : null;
    }

    public static bool HasEnvelope(Resource resource) =>
        resource is DomainResource domain && domain.Extension.Any(EncryptedSectionExtension.IsEncryptedSection);

    public static bool HasCfrag(Resource resource) =>
        resource is DomainResource domain && EncryptedSectionExtension.ReadAll(domain).Any(s => s.CapsuleFragments.Count > 0);
}
