using Hl7.Fhir.Model;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Cli.Records;

/// <summary>
/// One resource of a record as the caller may see it: merged from the sections it could open;
/// the envelopes of <see cref="StillSealed"/> stay on it as they came, and <see cref="Withheld"/>
/// says the server kept some protected part back (the resource carries the <c>masked</c> label).
/// </summary>
internal sealed record ShownResource(Resource Resource, IReadOnlyList<PhrSection> Opened, IReadOnlyList<PhrSection> StillSealed, bool Withheld)
{
    /// <summary>On <c>Bundle.entry</c> of <c>sesphr show --json</c>: one per section the caller opened.</summary>
    public const string OpenedSectionUrl = "http://sesphr.org/fhir/StructureDefinition/opened-section";

    /// <summary>On <c>Bundle.entry</c>: one per section that stayed sealed for the caller (no grant for it).</summary>
    public const string SealedSectionUrl = "http://sesphr.org/fhir/StructureDefinition/sealed-section";

    /// <summary>On <c>Bundle.entry</c>, true: the server withheld protected parts this caller may not read.</summary>
    public const string WithheldUrl = "http://sesphr.org/fhir/StructureDefinition/withheld-by-server";

    public Bundle.EntryComponent ToEntry()
    {
        var entry = new Bundle.EntryComponent { FullUrl = $"{Resource.TypeName}/{Resource.Id}", Resource = Resource };
        entry.Extension.AddRange(Opened.Select(s => new Extension(OpenedSectionUrl, new Code(s.ToCode()))));
        entry.Extension.AddRange(StillSealed.Select(s => new Extension(SealedSectionUrl, new Code(s.ToCode()))));
        if (Withheld)
        {
            entry.Extension.Add(new Extension(WithheldUrl, new FhirBoolean(true)));
        }

        return entry;
    }
}
