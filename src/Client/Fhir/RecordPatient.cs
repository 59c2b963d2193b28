using Hl7.Fhir.Model;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Client.Fhir;

/// <summary>
/// Whose record a resource belongs to, by the element the section policy names for it (<c>subject</c>,
/// <c>patient</c>, <c>beneficiary</c>), as the relative <c>Patient/{id}</c> a grantee looks the
/// patient's keys and grant statement up by. A Patient is its own record.
/// </summary>
public static class RecordPatient
{
    public static string? Of(Resource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (resource is Patient { Id: { } id })
        {
            return "Patient/" + id;
        }

        if (!SectionPolicy.IsSupported(resource.TypeName) || SectionPolicy.For(resource).PatientElement is not { } element)
        {
            return null;
        }

        var reference = resource.EnumerateElements().FirstOrDefault(e => e.Key == element).Value as ResourceReference;
        return Relative(reference?.Reference);
    }

    /// <summary><c>Patient/{id}</c> from a relative or absolute reference; null for anything else.</summary>
    private static string? Relative(string? reference)
    {
        if (reference is null)
        {
            return null;
        }

        var segments = reference.Split('/');
        var at = Array.LastIndexOf(segments, "Patient");
        return at >= 0 && at == segments.Length - 2 && segments[^1].Length > 0 ? "Patient/" + segments[^1] : null;
    }
}
