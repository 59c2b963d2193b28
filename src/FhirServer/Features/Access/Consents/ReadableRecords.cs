using SeSPHR.Phr.Sections;

namespace SeSPHR.FhirServer.Features.Access.Consents;

/// <summary>A section of a patient's record the caller may read: all of it, or only the listed resource types.</summary>
public sealed record ReadableSection(string Patient, PhrSection Section, IReadOnlyList<string>? ResourceTypes);

/// <summary>A resource (<c>Type/id</c>) of a patient's record that a Consent denies the caller one by one.</summary>
public sealed record ExcludedResource(string Patient, string ResourceKey);

/// <summary>
/// What a caller may read across a set of patients, for the search SQL, so that paging and totals
/// never count a withheld resource. A row of the resource table is readable when
/// <list type="bullet">
/// <item>its <c>(patient, section)</c> is one of <see cref="SqlColumns.SectionPatients"/>/<see cref="SqlColumns.Sections"/>, or</item>
/// <item>its <c>(patient, section, resource_type)</c> is one of the <c>Typed*</c> columns, or</item>
/// <item>it is the Patient resource of one of <see cref="SqlColumns.VisiblePatients"/> (served masked where personal is not readable),</item>
/// </list>
/// and its <c>(patient, id)</c> (the current-version key <c>Type/id</c>) is not one of the
/// <c>Excluded*</c> columns. For rows of a patient's record (patient and section set), e.g.
/// <code>
/// ((r.patient, r.section) IN (SELECT * FROM unnest(@section_patients, @sections))
///  OR (r.patient, r.section, r.resource_type) IN (SELECT * FROM unnest(@typed_patients, @typed_sections, @typed_types))
///  OR (r.resource_type = 'Patient' AND r.patient = ANY(@visible_patients)))
/// AND (r.patient, r.id) NOT IN (SELECT * FROM unnest(@excluded_patients, @excluded_resources))
/// </code>
/// <see cref="Admits"/> is the same test in memory.
/// </summary>
public sealed class ReadableRecords
{
    private readonly HashSet<(string Patient, PhrSection Section)> _wholeSections;
    private readonly HashSet<(string Patient, PhrSection Section, string ResourceType)> _typedSections;
    private readonly HashSet<(string Patient, string ResourceKey)> _excluded;
    private readonly HashSet<string> _visible;

    private ReadableRecords(List<ReadableSection> sections, List<ExcludedResource> excluded, List<string> visiblePatients)
    {
        Sections = sections;
        Excluded = excluded;
        VisiblePatients = visiblePatients;
        _wholeSections = [.. sections.Where(s => s.ResourceTypes is null).Select(s => (s.Patient, s.Section))];
        _typedSections = [.. sections.Where(s => s.ResourceTypes is not null).SelectMany(s => s.ResourceTypes!.Select(type => (s.Patient, s.Section, type)))];
        _excluded = [.. excluded.Select(e => (e.Patient, e.ResourceKey))];
        _visible = [.. visiblePatients];
    }

    public IReadOnlyList<ReadableSection> Sections { get; }

    public IReadOnlyList<ExcludedResource> Excluded { get; }

    /// <summary>Patients whose Patient resource the caller sees (any permit; the patient themselves).</summary>
    public IReadOnlyList<string> VisiblePatients { get; }

    /// <summary>Whether the caller sees this patient's Patient resource (masked where personal is not readable).</summary>
    public bool MaySeePatient(string patient) => _visible.Contains(FhirReference.Normalize(patient) ?? patient);

    /// <summary>Whether a stored row (patient, section code, type, id) is readable; null patient or section: not decided here, false.</summary>
    public bool Admits(string? patient, string? section, string resourceType, string logicalId)
    {
        ArgumentNullException.ThrowIfNull(resourceType);
        ArgumentNullException.ThrowIfNull(logicalId);
        if (patient is null || section is null || !PhrSectionCodes.TryParse(section, out var parsed))
        {
            return false;
        }

        var readable = _wholeSections.Contains((patient, parsed))
            || _typedSections.Contains((patient, parsed, resourceType))
            || (resourceType == "Patient" && _visible.Contains(patient));
        return readable && !_excluded.Contains((patient, $"{resourceType}/{logicalId}"));
    }

    /// <summary>The same content as parallel arrays, one array per SQL parameter.</summary>
    public SqlColumns ToSqlColumns()
    {
        var whole = Sections.Where(s => s.ResourceTypes is null).ToList();
        var typed = Sections.Where(s => s.ResourceTypes is not null)
            .SelectMany(s => s.ResourceTypes!.Select(type => (s.Patient, Section: s.Section.ToCode(), type)))
            .ToList();
        return new SqlColumns(
            [.. whole.Select(s => s.Patient)],
            [.. whole.Select(s => s.Section.ToCode())],
            [.. typed.Select(t => t.Patient)],
            [.. typed.Select(t => t.Section)],
            [.. typed.Select(t => t.type)],
            [.. Excluded.Select(e => e.Patient)],
            [.. Excluded.Select(e => e.ResourceKey)],
            [.. VisiblePatients]);
    }

    /// <summary>Parallel arrays for <c>unnest</c>: entry i of each array of a group belongs together.</summary>
    public sealed record SqlColumns(
        string[] SectionPatients,
        string[] Sections,
        string[] TypedPatients,
        string[] TypedSections,
        string[] TypedTypes,
        string[] ExcludedPatients,
        string[] ExcludedResources,
        string[] VisiblePatients);

    internal sealed class Builder
    {
        private readonly List<ReadableSection> _sections = [];
        private readonly List<ExcludedResource> _excluded = [];
        private readonly List<string> _visible = [];

        public void Add(CallerAccess access)
        {
            foreach (var section in PhrSectionCodes.All)
            {
                if (access.Decide(section, AccessAction.Read) == ConsentDecision.Permit)
                {
                    _sections.Add(new ReadableSection(access.Patient, section, null));
                }
                else if (access.PermittedTypes(section, AccessAction.Read) is { Count: > 0 } types)
                {
                    _sections.Add(new ReadableSection(access.Patient, section, types));
                }
            }

            _excluded.AddRange(access.ExcludedResources(AccessAction.Read).Select(key => new ExcludedResource(access.Patient, key)));
            if (access.MaySeePatient)
            {
                _visible.Add(access.Patient);
            }
        }

        public ReadableRecords Build() => new(_sections, _excluded, _visible);
    }
}
