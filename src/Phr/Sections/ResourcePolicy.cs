using Hl7.Fhir.Model;

namespace SeSPHR.Phr.Sections;

/// <summary>
/// The section policy of one resource type. For a type with a protected section it holds the
/// allow-list of top-level elements that stay clear, and every other element — including
/// elements that a later FHIR version or an extension adds — is protected in the resource's
/// section. It also names the bound clear fields, in the fixed order in which they are hashed.
/// A type without a protected section (directory, consent and audit resources) is clear as a whole.
/// </summary>
public sealed class ResourcePolicy
{
    private readonly Func<Resource, PhrSection>? _section;
    private readonly Dictionary<string, ClearElement> _clearByName;

    internal ResourcePolicy(
        string resourceType,
        Func<Resource, PhrSection>? section,
        string? patientElement,
        IReadOnlyList<ClearElement> clearElements,
        IReadOnlyList<string> boundFields,
        PhrSection? recordSection = null)
    {
        ResourceType = resourceType;
        RecordSection = recordSection;
        _section = section;
        PatientElement = patientElement;
        ClearElements = clearElements;
        BoundFields = boundFields;
        _clearByName = clearElements.ToDictionary(element => element.Name, StringComparer.Ordinal);
    }

    public string ResourceType { get; }

    /// <summary>False for types that the design keeps clear as a whole (Consent, Practitioner, ...).</summary>
    public bool HasProtectedSection => _section is not null;

    /// <summary>
    /// The element that points at the patient whose record holds the resource (<c>subject</c>,
    /// <c>patient</c>, <c>beneficiary</c>); null for Patient itself and for types that never name
    /// the patient whose record they would belong to.
    /// </summary>
    public string? PatientElement { get; }

    /// <summary>
    /// For a type clear as a whole that can name a patient (Device): the section of that patient's
    /// record a resource of the type is filed under when it names one, so that the patient's Consents
    /// decide who reads and writes it as they do for the section's protected resources. Null for
    /// every other type (a protected type's section is <see cref="SectionOf"/>).
    /// </summary>
    public PhrSection? RecordSection { get; }

    /// <summary>The allow-list; empty for a type without a protected section (there everything is clear).</summary>
    public IReadOnlyList<ClearElement> ClearElements { get; }

    /// <summary>
    /// The clear elements whose change would alter the meaning of the protected data (patient
    /// reference, clinical dates, category, clear codes), in hashing order. See <see cref="BoundFields"/>.
    /// </summary>
    public IReadOnlyList<string> BoundFields { get; }

    /// <summary>The section a resource of this type belongs to, or null when the type has none.</summary>
    public PhrSection? SectionOf(Resource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return _section?.Invoke(resource);
    }

    /// <summary>
    /// Whether this value of the named element may stay clear in this resource. Only the
    /// element's clear projection stays clear even then (see <c>ClearProjection</c>).
    /// </summary>
    public bool IsClear(Resource resource, string elementName, object value)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(value);
        if (!HasProtectedSection)
        {
            return true;
        }

        return _clearByName.TryGetValue(elementName, out var rule) && rule.Admits(resource, value);
    }

    /// <summary>Whether the element stays clear exactly as it is (<c>id</c>, <c>meta</c>, or anything of a type without a section).</summary>
    public bool IsVerbatim(string elementName) =>
        !HasProtectedSection || (_clearByName.TryGetValue(elementName, out var rule) && rule.IsVerbatim);

    /// <summary>Whether the allow-list names the element at all (whatever its conditions).</summary>
    public bool Names(string elementName) => !HasProtectedSection || _clearByName.ContainsKey(elementName);
}
