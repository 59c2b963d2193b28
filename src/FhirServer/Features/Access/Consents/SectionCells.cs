using System.Collections.Frozen;
using System.Numerics;
using Hl7.Fhir.Model;
using SeSPHR.Phr.Sections;

namespace SeSPHR.FhirServer.Features.Access.Consents;

/// <summary>
/// The finest grain Consent decides on: a cell is one resource type within one section
/// (<c>vitals/Observation</c>, <c>medical/Observation</c>, <c>medical/Condition</c>, ...), taken from
/// the section policy, and an action. A set of cells is one <see cref="ulong"/>: bit <c>i</c> reads
/// cell <c>i</c>, bit <c>32 + i</c> writes it; so a whole Consent evaluates in a few bit operations.
/// </summary>
internal static class SectionCells
{
    private const int WriteShift = 32;

    private static readonly (PhrSection Section, string ResourceType)[] Cells = BuildCells();

    private static readonly ulong[] SectionReadMasks = PhrSectionCodes.All
        .Select(section => Mask(cell => cell.Section == section))
        .ToArray();

    private static readonly FrozenDictionary<string, ulong> TypeReadMasks = Cells
        .Select(cell => cell.ResourceType)
        .Distinct(StringComparer.Ordinal)
        .ToFrozenDictionary(type => type, type => Mask(cell => cell.ResourceType == type), StringComparer.Ordinal);

    /// <summary>Every cell, read.</summary>
    public static readonly ulong AllRead = Mask(_ => true);

    /// <summary>Every cell, read and write.</summary>
    public static readonly ulong All = AllRead | (AllRead << WriteShift);

    public static ulong ActionMask(AccessAction action) => action == AccessAction.Read ? AllRead : AllRead << WriteShift;

    /// <summary>The read cells of a section.</summary>
    public static ulong SectionMask(PhrSection section) => SectionReadMasks[(int)section];

    /// <summary>The read cells of a resource type (two for Observation), or 0 for a type without a protected section.</summary>
    public static ulong TypeMask(string resourceType) => TypeReadMasks.GetValueOrDefault(resourceType);

    public static bool HasSection(string resourceType) => TypeReadMasks.ContainsKey(resourceType);

    /// <summary>The cells of one action only, moved to read position.</summary>
    public static ulong Of(ulong cells, AccessAction action) =>
        action == AccessAction.Read ? cells & AllRead : (cells >> WriteShift) & AllRead;

    /// <summary>The resource types of the given read cells, in the policy's order.</summary>
    public static IEnumerable<string> TypesOf(ulong readCells)
    {
        for (var remaining = readCells & AllRead; remaining != 0; remaining &= remaining - 1)
        {
            yield return Cells[BitOperations.TrailingZeroCount(remaining)].ResourceType;
        }
    }

    private static ulong Mask(Func<(PhrSection Section, string ResourceType), bool> predicate)
    {
        ulong mask = 0;
        for (var i = 0; i < Cells.Length; i++)
        {
            if (predicate(Cells[i]))
            {
                mask |= 1UL << i;
            }
        }

        return mask;
    }

    // Asks the section policy itself, so a type it moves to another section moves here too. The
    // policy decides by type alone except for Observation, whose vital-signs category makes it vitals;
    // a type clear as a whole that joins a record's section when it names a patient (Device) has its cell there.
    private static (PhrSection, string)[] BuildCells()
    {
        var cells = new List<(PhrSection, string)>();
        foreach (var type in SectionPolicy.SupportedResourceTypes.Order(StringComparer.Ordinal))
        {
            var policy = SectionPolicy.For(type);
            if (policy.RecordSection is { } filed)
            {
                cells.Add((filed, type));
                continue;
            }

            if (!policy.HasProtectedSection)
            {
                continue;
            }

            var sections = new SortedSet<PhrSection>();
            foreach (var probe in Probes(type))
            {
                sections.Add(policy.SectionOf(probe) ?? throw new InvalidOperationException($"{type} has a protected section but none for a probe."));
            }

            cells.AddRange(sections.Select(section => (section, type)));
        }

        if (cells.Count > WriteShift)
        {
            throw new InvalidOperationException($"{cells.Count} section cells do not fit the {WriteShift}-bit action halves.");
        }

        return [.. cells.OrderBy(cell => cell.Item1).ThenBy(cell => cell.Item2, StringComparer.Ordinal)];
    }

    private static IEnumerable<Resource> Probes(string type)
    {
        var clrType = ModelInfo.GetTypeForFhirType(type) ?? throw new InvalidOperationException($"No R4 model type for {type}.");
        yield return (Resource)Activator.CreateInstance(clrType)!;
        if (type == "Observation")
        {
            yield return new Observation { Category = [new CodeableConcept(VitalSigns.CategorySystem, VitalSigns.CategoryCode)] };
        }
    }
}
