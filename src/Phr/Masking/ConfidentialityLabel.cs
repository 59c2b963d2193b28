using Hl7.Fhir.Model;

namespace SeSPHR.Phr.Masking;

/// <summary>
/// The confidentiality label a split resource carries in <c>meta.security</c> (HL7 v3
/// Confidentiality <c>R</c>, restricted), telling any FHIR client that parts were withheld.
/// Split adds it only when the resource has no label at least as strict (R or V); the section
/// payload records whether it did, so Merge removes exactly the label Split added.
/// </summary>
public static class ConfidentialityLabel
{
    public const string System = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";
    public const string Restricted = "R";
    public const string VeryRestricted = "V";

    public static Coding RestrictedLabel() => new(System, Restricted, "restricted");

    /// <summary>Adds the restricted label unless an R or V label is already there; returns whether it added one.</summary>
    internal static bool AddIfMissing(Resource resource)
    {
        if (resource.Meta?.Security.Any(IsAtLeastRestricted) == true)
        {
            return false;
        }

        resource.Meta ??= new Meta();
        resource.Meta.Security.Add(RestrictedLabel());
        return true;
    }

    /// <summary>Removes the label <see cref="AddIfMissing"/> added (the last R label) and a meta it left empty.</summary>
    internal static bool RemoveAdded(Resource resource)
    {
        var security = resource.Meta?.Security;
        var index = security?.FindLastIndex(label => label.IsExactly(RestrictedLabel())) ?? -1;
        if (index < 0)
        {
            return false;
        }

        security!.RemoveAt(index);
        if (FhirElements.IsEmpty(resource.Meta!))
        {
            resource.Meta = null;
        }

        return true;
    }

    private static bool IsAtLeastRestricted(Coding label) =>
        label.System == System && label.Code is Restricted or VeryRestricted;
}
