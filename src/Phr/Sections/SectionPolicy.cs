using System.Collections.Frozen;
using Hl7.Fhir.Model;
using SeSPHR.Phr.Masking;

namespace SeSPHR.Phr.Sections;

/// <summary>
/// The section policy as code (DESIGN.md §4), shipped in the library every party uses so that
/// no client lowers protection because a server says so. For each supported resource type it
/// says which section the resource belongs to and which top-level elements stay clear; every
/// element it does not name is protected. Unsupported types are refused rather than guessed at.
/// </summary>
public static partial class SectionPolicy
{
    private static readonly FrozenDictionary<string, ResourcePolicy> Policies =
        BuildPolicies().ToFrozenDictionary(policy => policy.ResourceType, StringComparer.Ordinal);

    /// <summary>Every resource type the policy knows, protected or not.</summary>
    public static IReadOnlyCollection<string> SupportedResourceTypes => Policies.Keys;

    public static bool IsSupported(string resourceType) => Policies.ContainsKey(resourceType);

    /// <summary>The policy of a type; throws <see cref="NotSupportedException"/> for a type the policy does not know.</summary>
    public static ResourcePolicy For(string resourceType) =>
        Policies.TryGetValue(resourceType, out var policy)
            ? policy
            : throw new NotSupportedException($"The section policy does not support resource type '{resourceType}'.");

    public static ResourcePolicy For(Resource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return For(resource.TypeName);
    }

    /// <summary>The section of a resource, or null when its type keeps everything clear.</summary>
    public static PhrSection? SectionOf(Resource resource) => For(resource).SectionOf(resource);

    /// <summary>
    /// Lists the elements (FHIRPath, e.g. <c>Patient.name</c> or <c>Observation.value.ofType(Quantity)</c>)
    /// that carry a protected value in clear, so that a server can refuse the write naming the
    /// element without echoing its value. Masked placeholders, the <c>masked</c> data-absent reason
    /// of an Observation and encrypted-section extensions are not protected values. A clear element
    /// that carries protected detail (a reference's display, a concept's text) is listed too.
    /// </summary>
    public static IReadOnlyList<string> FindProtectedInClear(Resource resource)
    {
        var policy = For(resource);
        if (!policy.HasProtectedSection)
        {
            return [];
        }

        var findings = new List<string>();
        foreach (var (name, value) in resource.EnumerateElements())
        {
            if (!CarriesProtectedValue(policy, resource, name, value))
            {
                continue;
            }

            var path = $"{resource.TypeName}.{name}";
            // A lenient parse can leave a list where a choice element belongs: name the element alone.
            findings.Add(FhirElements.IsChoice(resource, name) && value is Base choice ? $"{path}.ofType({choice.TypeName})" : path);
        }

        return findings;
    }

    private static bool CarriesProtectedValue(ResourcePolicy policy, Resource resource, string name, object value)
    {
        if (name == "extension")
        {
            return ((IEnumerable<Extension>)value).Any(extension => !Envelopes.EncryptedSectionExtension.IsEncryptedSection(extension));
        }

        if (policy.IsVerbatim(name))
        {
            return false;
        }

        if (policy.IsClear(resource, name, value))
        {
            var projection = ClearProjection.Project(value);
            return projection is null ? !MaskedValue.IsPlaceholder(value) : !FhirElements.AreExactly(projection, value);
        }

        if (resource is Observation observation && name == "dataAbsentReason")
        {
            return !(observation.Value is null && MaskedValue.IsMaskedDataAbsentReason(observation.DataAbsentReason));
        }

        return !MaskedValue.IsPlaceholder(value);
    }
}
