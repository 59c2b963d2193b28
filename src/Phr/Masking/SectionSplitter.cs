using Hl7.Fhir.Model;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Phr.Masking;

/// <summary>
/// Splits a resource into the clear part the cloud stores and one plaintext payload per section,
/// and merges them back. <c>Merge(Split(r))</c> equals <c>r</c> exactly. The clear part holds only
/// the policy's allow-listed elements (their clear projection), is valid against the R4 base
/// definitions (required protected elements become masked placeholders, an Observation whose
/// value is protected carries <c>dataAbsentReason = masked</c>) and is labelled restricted in
/// <c>meta.security</c>. Merge refuses a payload of another resource or section and a clear part
/// whose allow-listed elements no longer match what was split.
/// </summary>
public static class SectionSplitter
{
    public static SplitResult Split(Resource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var policy = SectionPolicy.For(resource);
        var clear = resource.DeepCopy();
        if (policy.SectionOf(resource) is not { } section)
        {
            return new SplitResult(clear, []);
        }

        if (clear is DomainResource domain && domain.Extension.Any(EncryptedSectionExtension.IsEncryptedSection))
        {
            throw new ArgumentException("The resource already carries encrypted sections; split the plaintext resource.", nameof(resource));
        }

        var mapping = FhirElements.ClassOf(resource);
        var elements = (Resource)mapping.CreateInstance();
        foreach (var (name, value) in clear.EnumerateElements().ToList())
        {
            if (policy.IsVerbatim(name))
            {
                continue;
            }

            object? clearValue = null;
            if (policy.IsClear(resource, name, value))
            {
                clearValue = ClearProjection.Project(value);
                if (clearValue is not null && FhirElements.AreExactly(clearValue, value))
                {
                    continue;
                }
            }

            elements.SetValue(name, value);
            var element = mapping.FindMappedElementByName(name)!;
            clear.SetValue(name, clearValue ?? (element.IsMandatoryElement ? MaskedValue.For(element) : null));
        }

        if (clear is Observation observation && elements is Observation { Value: not null })
        {
            // obs-6 holds: the clear part's value[x] was just removed.
            observation.DataAbsentReason = MaskedValue.MaskedDataAbsentReason();
        }

        // A POCO that the R4 model cannot hold (e.g. an STU3-shaped element kept by a lenient
        // parser) may resist removal; never hand out a clear part that still carries protected data.
        var leftInClear = SectionPolicy.FindProtectedInClear(clear);
        if (leftInClear.Count > 0)
        {
            throw new ArgumentException($"The resource is not valid R4; protected elements could not be removed: {string.Join(", ", leftInClear)}.", nameof(resource));
        }

        var labelAdded = ConfidentialityLabel.AddIfMissing(clear);
        var content = SectionPayloadCodec.Encode(section, resource.TypeName, resource.Id, labelAdded, elements);
        return new SplitResult(clear, [new SectionPayload(section, resource.TypeName, resource.Id, content)]);
    }

    /// <summary>
    /// Restores the protected elements of the given sections into a copy of the clear part and
    /// removes what Split added for them (placeholders, the masked data-absent reason, the
    /// confidentiality label, and the sections' encrypted-section extensions). Sections without a
    /// payload stay masked.
    /// </summary>
    public static Resource Merge(Resource clear, IEnumerable<SectionPayload> payloads)
    {
        ArgumentNullException.ThrowIfNull(clear);
        ArgumentNullException.ThrowIfNull(payloads);
        var policy = SectionPolicy.For(clear);
        var merged = clear.DeepCopy();
        var decodedPayloads = payloads.Select(payload => Decode(payload, clear)).ToList();
        if (decodedPayloads.Count == 0)
        {
            return merged;
        }

        var section = policy.SectionOf(clear)
            ?? throw new SectionMergeException($"{clear.TypeName} has no protected section, so no payload belongs to it.");
        var inClear = SectionPolicy.FindProtectedInClear(clear);
        if (inClear.Count > 0)
        {
            throw new SectionMergeException($"The clear part carries protected elements: {string.Join(", ", inClear)}.");
        }

        if (decodedPayloads.Count > 1)
        {
            throw new SectionMergeException($"{clear.TypeName} has one section; {decodedPayloads.Count} payloads were given.");
        }

        var decoded = decodedPayloads[0];
        if (decoded.Section != section)
        {
            throw new SectionMergeException($"The payload is for section '{decoded.Section.ToCode()}'; the clear part is in '{section.ToCode()}'.");
        }

        Restore(policy, merged, decoded);
        return merged;
    }

    private static DecodedSectionPayload Decode(SectionPayload payload, Resource clear)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var decoded = SectionPayloadCodec.Decode(payload.Content);
        if (decoded.Section != payload.Section || decoded.ResourceType != payload.ResourceType || decoded.ResourceId != payload.ResourceId)
        {
            throw new SectionMergeException("The payload's header does not match its content.");
        }

        if (decoded.ResourceType != clear.TypeName || decoded.ResourceId != clear.Id || decoded.Elements.TypeName != clear.TypeName)
        {
            throw new SectionMergeException($"The payload belongs to {decoded.ResourceType}/{decoded.ResourceId}, not to {clear.TypeName}/{clear.Id}.");
        }

        return decoded;
    }

    private static void Restore(ResourcePolicy policy, Resource merged, DecodedSectionPayload decoded)
    {
        if (merged is DomainResource domain)
        {
            domain.Extension.RemoveAll(extension =>
                EncryptedSectionExtension.IsEncryptedSection(extension)
                && EncryptedSectionExtension.SectionCodeOf(extension) == decoded.Section.ToCode());
        }

        if (merged is Observation observation && decoded.Elements is Observation { Value: not null })
        {
            if (!MaskedValue.IsMaskedDataAbsentReason(observation.DataAbsentReason))
            {
                throw new SectionMergeException("Observation.dataAbsentReason is not the masked placeholder its protected value needs.");
            }

            observation.DataAbsentReason = null;
        }

        foreach (var (name, value) in decoded.Elements.EnumerateElements().ToList())
        {
            var path = $"{merged.TypeName}.{name}";
            if (policy.IsVerbatim(name) || name == "id")
            {
                throw new SectionMergeException($"A payload never carries {path}.");
            }

            if (name == "extension" && merged is DomainResource withEnvelopes)
            {
                // Envelopes of sections not merged here stay after the restored extensions.
                var envelopes = withEnvelopes.Extension.Where(EncryptedSectionExtension.IsEncryptedSection).ToList();
                withEnvelopes.Extension = [.. (List<Extension>)value, .. envelopes];
                continue;
            }

            var current = merged.TryGetValue(name, out var found) && found is not (null or System.Collections.IList { Count: 0 }) && !MaskedValue.IsPlaceholder(found)
                ? found
                : null;
            if (policy.IsClear(merged, name, value))
            {
                var expected = ClearProjection.Project(value);
                var matches = expected is null ? current is null : current is not null && FhirElements.AreExactly(expected, current);
                if (!matches)
                {
                    throw new SectionMergeException($"The clear {path} no longer matches the value it was split from.");
                }
            }
            else if (current is not null)
            {
                throw new SectionMergeException($"{path} is both in clear and in the payload.");
            }

            merged.SetValue(name, value);
        }

        if (decoded.ConfidentialityLabelAdded)
        {
            ConfidentialityLabel.RemoveAdded(merged);
        }
    }
}
