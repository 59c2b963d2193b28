using Npgsql;
using SeSPHR.FhirServer.Features.Access.Consents;
using SeSPHR.FhirServer.Search;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Features.Access;

/// <summary>
/// The one place that narrows what a query may match and decides whether a resource read by id may
/// be shown, per request (DESIGN.md §4 "Visibility rules"). The rule is SQL only, so search,
/// includes, history, $everything, paging and totals, and single reads all apply the very same test:
/// <list type="bullet">
/// <item>a resource of a patient's record (the <c>patient</c> column): the patient sees all of it; others the
/// sections and types their Consents let them read, the Patient resource with any permit, minus the
/// resources denied one by one (<see cref="ReadableRecords"/>);</item>
/// <item>a Consent: its patient and the actors it names by reference (the <c>actor</c> index);</item>
/// <item>an AuditEvent: the patient it names (the <c>patient</c> index) and admins;</item>
/// <item>a Provenance: whoever may read every one of its targets;</item>
/// <item>anything else of no record (directory resources such as Practitioner or Organization, and
/// shared definitions such as Medication): any signed-in caller;</item>
/// </list>
/// then the token's SMART scopes narrow by resource type, and <c>patient/</c> scopes to the caller's own record.
/// With <c>Fhir:Access:ConsentCheck=false</c> nothing is filtered.
/// </summary>
public sealed class DisclosurePolicy(RequestAccess access, NpgsqlDataSource dataSource)
{
    private static readonly string[] SpecialTypes = ["Consent", "AuditEvent", "Provenance"];

    /// <summary>Whether the filter is on for this request.</summary>
    public bool Filters => access.ConsentCheck;

    /// <summary>
    /// An extra SQL condition on a resource or version row aliased <paramref name="alias"/> (both tables
    /// have <c>resource_type</c>, <c>logical_id</c>, <c>patient</c> and <c>section</c>), its values added
    /// to <paramref name="sql"/> as parameters; null when nothing is filtered.
    /// </summary>
    public string? SqlFilter(string alias, SearchSql sql)
    {
        ArgumentException.ThrowIfNullOrEmpty(alias);
        ArgumentNullException.ThrowIfNull(sql);
        if (!Filters)
        {
            return null;
        }

        if (access.Caller is not { } caller)
        {
            return "false";
        }

        var a = alias;
        var key = $"({a}.resource_type || '/' || {a}.logical_id)";
        var own = sql.Add(access.OwnRecord ?? "");
        var columns = access.Readable.ToSqlColumns();
        var (sectionPatients, sections) = (sql.Add(columns.SectionPatients), sql.Add(columns.Sections));
        var (typedPatients, typedSections, typedTypes) = (sql.Add(columns.TypedPatients), sql.Add(columns.TypedSections), sql.Add(columns.TypedTypes));
        var visible = sql.Add(columns.VisiblePatients);
        var (excludedPatients, excludedResources) = (sql.Add(columns.ExcludedPatients), sql.Add(columns.ExcludedResources));
        var special = sql.Add(SpecialTypes);

        // A row of a patient's record (Consents aside), as ReadableRecords describes it.
        string Record(string t) => $"""
            ({t}.patient IS NOT NULL AND {t}.resource_type <> 'Consent'
             AND ({t}.patient = {own}
                  OR ((({t}.patient, {t}.section) IN (SELECT * FROM unnest({sectionPatients}::text[], {sections}::text[]))
                       OR ({t}.patient, {t}.section, {t}.resource_type) IN (SELECT * FROM unnest({typedPatients}::text[], {typedSections}::text[], {typedTypes}::text[]))
                       OR ({t}.resource_type = 'Patient' AND {t}.patient = ANY({visible}::text[])))
                      AND ({t}.patient, {t}.resource_type || '/' || {t}.logical_id) NOT IN (SELECT * FROM unnest({excludedPatients}::text[], {excludedResources}::text[])))))
            """;

        // A row of no record: directory resources and shared definitions.
        string Shared(string t) => $"({t}.patient IS NULL AND {t}.section IS NULL AND {t}.resource_type <> ALL({special}::text[]))";

        var (actorType, actorId) = Split(FhirReference.Normalize(caller.FhirUser));
        var ownId = access.OwnRecord is { } self ? self["Patient/".Length..] : "";
        var rule = $"""
            ({Record(a)}
             OR {Shared(a)}
             OR ({a}.resource_type = 'Consent' AND ({a}.patient = {own}
                 OR EXISTS (SELECT 1 FROM {SearchTables.Reference} ca WHERE ca.resource_id = {key} AND ca.param = 'actor'
                            AND ca.target_type = {sql.Add(actorType)} AND ca.target_id = {sql.Add(actorId)})))
             OR ({a}.resource_type = 'AuditEvent' AND ({sql.Add(caller.Role == UserRole.Admin)}
                 OR EXISTS (SELECT 1 FROM {SearchTables.Reference} ap WHERE ap.resource_id = {key} AND ap.param = 'patient'
                            AND ap.target_type = 'Patient' AND ap.target_id = {sql.Add(ownId)})))
             OR ({a}.resource_type = 'Provenance'
                 AND EXISTS (SELECT 1 FROM {SearchTables.Reference} pt WHERE pt.resource_id = {key} AND pt.param = 'target')
                 AND NOT EXISTS (SELECT 1 FROM {SearchTables.Reference} pt WHERE pt.resource_id = {key} AND pt.param = 'target'
                     AND NOT EXISTS (SELECT 1 FROM {SearchSql.Resources} pv WHERE pv.id = pt.target_type || '/' || pt.target_id AND ({Record("pv")} OR {Shared("pv")})))))
            """;

        var scopes = access.Scopes;
        var anywhere = scopes.ReadableTypes(beyondOwnRecord: true);
        var ownOnly = scopes.ReadableTypes(beyondOwnRecord: false);
        var scopeRule = $"""
            (({(anywhere is null ? "true" : $"{a}.resource_type = ANY({sql.Add(anywhere.ToArray())}::text[])")})
             OR (({(ownOnly is null ? "true" : $"{a}.resource_type = ANY({sql.Add(ownOnly.ToArray())}::text[])")})
                 AND ({a}.patient = {own} OR ({a}.patient IS NULL AND {a}.resource_type <> ALL({special}::text[])))))
            """;
        return $"{rule} AND {scopeRule}";
    }

    /// <summary>Whether a resource read by id may be shown; a withheld one answers as a missing one (404).</summary>
    public async Task<bool> MayDiscloseAsync(StoredResource resource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return !Filters || await ExistsAsync(SearchSql.Resources, resource.Id, cancellationToken);
    }

    public async Task<bool> MayDiscloseAsync(StoredResourceVersion version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(version);
        return !Filters || await ExistsAsync(SearchSql.Versions, version.Id, cancellationToken);
    }

    private async Task<bool> ExistsAsync(string table, string id, CancellationToken cancellationToken)
    {
        var sql = new SearchSql();
        var text = $"SELECT EXISTS (SELECT 1 FROM {table} r WHERE r.id = {sql.Add(id)} AND {SqlFilter("r", sql)})";
        await using var command = dataSource.CreateCommand(text);
        command.Parameters.AddRange(sql.Parameters.ToArray());
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static (string Type, string Id) Split(string? reference)
    {
        if (reference is null)
        {
            return ("", "");
        }

        var slash = reference.IndexOf('/', StringComparison.Ordinal);
        return (reference[..slash], reference[(slash + 1)..]);
    }
}
