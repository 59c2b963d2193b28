using Hl7.Fhir.Model;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Masking;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Client.Fhir;

/// <summary>
/// How a resource read through the SDK says what stayed sealed for this caller: the encrypted-section
/// extension stays on the resource as the server sent it, and <c>meta.security</c> gets one coding per
/// still-sealed section (system <see cref="System"/>, code = the section code). A section is never
/// dropped silently; code that asks reads the marks back with <see cref="SealedSections"/>.
/// </summary>
public static class SealedSectionMarks
{
    /// <summary>The code system of the marks; its codes are the section codes (<c>personal</c>, <c>medical</c>, ...).</summary>
    public const string System = "http://sesphr.org/fhir/CodeSystem/sealed-section";

    /// <summary>Adds a mark for each section in <paramref name="stillSealed"/> that is not marked yet.</summary>
    public static void Mark(Resource resource, IEnumerable<PhrSection> stillSealed)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(stillSealed);
        foreach (var section in stillSealed.Except(resource.SealedSections()).ToList())
        {
            resource.Meta ??= new Meta();
            resource.Meta.Security.Add(new Coding(System, section.ToCode(), $"{section.ToCode()} section still sealed for this reader"));
        }
    }

    /// <summary>The sections of this resource that stayed sealed for the caller that read it; empty when everything was opened.</summary>
    public static IReadOnlyList<PhrSection> SealedSections(this Resource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return resource.Meta?.Security
            .Where(coding => coding.System == System)
            .Select(coding => PhrSectionCodes.TryParse(coding.Code, out var section) ? section : (PhrSection?)null)
            .OfType<PhrSection>()
            .Distinct()
            .ToList() ?? [];
    }

    /// <summary>
    /// The section the server withheld whole from a served resource: a type with a protected section,
    /// served with the confidentiality label sealing adds (<c>R</c> or <c>V</c>) but with no envelope
    /// left (the FhirServer strips the envelopes of sections the caller may not read, e.g. a Patient
    /// shown to a grantee without <c>personal</c>). Null when nothing was withheld.
    /// </summary>
    public static PhrSection? WithheldSection(Resource served)
    {
        ArgumentNullException.ThrowIfNull(served);
        var labelled = served.Meta?.Security.Any(label => label.System == ConfidentialityLabel.System
            && label.Code is ConfidentialityLabel.Restricted or ConfidentialityLabel.VeryRestricted) == true;
        var sealedHere = served is DomainResource domain && domain.Extension.Any(EncryptedSectionExtension.IsEncryptedSection);
        return labelled && !sealedHere && SectionPolicy.IsSupported(served.TypeName) ? SectionPolicy.SectionOf(served) : null;
    }

    /// <summary>
    /// Takes the marks and the still-sealed envelopes off a resource read through the SDK before it is
    /// written again: the writer seals what it holds in clear, and the server carries over the
    /// envelopes of sections the writer cannot read.
    /// </summary>
    public static void Unmark(Resource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        resource.Meta?.Security.RemoveAll(coding => coding.System == System);
        if (resource is DomainResource domain)
        {
            domain.Extension.RemoveAll(EncryptedSectionExtension.IsEncryptedSection);
        }
    }
}
