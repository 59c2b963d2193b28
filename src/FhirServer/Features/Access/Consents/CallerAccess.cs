using SeSPHR.Phr.Sections;

namespace SeSPHR.FhirServer.Features.Access.Consents;

/// <summary>
/// What one caller may do in one patient's record at one instant, as Consent decides it. The grain
/// is a resource type within a section (a Consent may name sections and resource types), refined by
/// resources a Consent denies one by one. Directory, Consent and audit resources have no section and
/// are not decided here.
/// </summary>
public sealed class CallerAccess
{
    private readonly ulong _permitted;
    private readonly Exclusions _exclusions;

    internal CallerAccess(string patient, ulong permitted, Exclusions exclusions, bool isOwnRecord = false)
    {
        Patient = patient;
        _permitted = permitted;
        _exclusions = exclusions;
        IsOwnRecord = isOwnRecord;
    }

    internal static CallerAccess OwnRecord(string patient) => new(patient, SectionCells.All, new Exclusions(), isOwnRecord: true);

    /// <summary>The patient, <c>Patient/id</c>.</summary>
    public string Patient { get; }

    /// <summary>The caller is the patient: everything is permitted, whatever a Consent says.</summary>
    public bool IsOwnRecord { get; }

    /// <summary>
    /// Whether the caller sees the patient's Patient resource: with any permit at all (masked where
    /// <c>personal</c> is not readable), unless a Consent denies that Patient resource itself.
    /// </summary>
    public bool MaySeePatient => _permitted != 0 && !_exclusions.Excludes(Patient, AccessAction.Read);

    /// <summary>The section as a whole: every resource type in it (resources denied one by one aside).</summary>
    public ConsentDecision Decide(PhrSection section, AccessAction action)
    {
        var cells = SectionCells.SectionMask(section);
        return (SectionCells.Of(_permitted, action) & cells) == cells ? ConsentDecision.Permit : ConsentDecision.Deny;
    }

    /// <summary>Resources of one type in one section (a type outside the section is denied).</summary>
    public ConsentDecision Decide(PhrSection section, AccessAction action, string resourceType)
    {
        ArgumentNullException.ThrowIfNull(resourceType);
        var cells = SectionCells.SectionMask(section) & SectionCells.TypeMask(resourceType);
        return cells != 0 && (SectionCells.Of(_permitted, action) & cells) == cells ? ConsentDecision.Permit : ConsentDecision.Deny;
    }

    /// <summary>One resource: its type in its section, unless a Consent denies it by reference.</summary>
    public ConsentDecision Decide(PhrSection section, AccessAction action, string resourceType, string logicalId)
    {
        ArgumentNullException.ThrowIfNull(logicalId);
        return Decide(section, action, resourceType) == ConsentDecision.Permit
            && !_exclusions.Excludes($"{resourceType}/{logicalId}", action)
                ? ConsentDecision.Permit
                : ConsentDecision.Deny;
    }

    /// <summary>
    /// The resource types of <paramref name="section"/> the caller may act on: empty for none, all of
    /// the section's types when the whole section is permitted.
    /// </summary>
    public IReadOnlyList<string> PermittedTypes(PhrSection section, AccessAction action) =>
        [.. SectionCells.TypesOf(SectionCells.Of(_permitted, action) & SectionCells.SectionMask(section))];

    /// <summary>Whether anything at all of the section is permitted (e.g. to ask the SRS for its cfrags).</summary>
    public bool PermitsAny(PhrSection section, AccessAction action) =>
        (SectionCells.Of(_permitted, action) & SectionCells.SectionMask(section)) != 0;

    /// <summary>Resources (<c>Type/id</c>) a Consent denies one by one for <paramref name="action"/>.</summary>
    public IReadOnlyList<string> ExcludedResources(AccessAction action) =>
        [.. _exclusions.ByResource.Where(pair => SectionCells.Of(pair.Value, action) != 0).Select(pair => pair.Key).Order(StringComparer.Ordinal)];

    internal ulong Permitted => _permitted;
}
