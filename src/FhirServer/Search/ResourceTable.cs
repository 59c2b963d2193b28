using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Search;

/// <summary>
/// Where the current rows of a resource type are, and how a query reads them: the resource documents
/// with their search-value tables, or, for AuditEvent, the audit trail's own table
/// (<see cref="AuditEventTable"/>), whose search values are array columns of the row. Both read as
/// alias <c>r</c> with the same columns, so the search predicates, the access filter and paging are
/// the same SQL on either.
/// </summary>
public sealed class ResourceTable
{
    private ResourceTable(string from, bool auditTrail)
    {
        From = from;
        IsAuditTrail = auditTrail;
    }

    public static ResourceTable Documents { get; } = new(SearchSql.Resources, auditTrail: false);

    public static ResourceTable AuditEvents { get; } = new(AuditEventTable.Relation, auditTrail: true);

    /// <summary>The table of a type's current rows; the documents when the type is not fixed.</summary>
    public static ResourceTable Of(string? resourceType) => resourceType == "AuditEvent" ? AuditEvents : Documents;

    /// <summary>What follows FROM.</summary>
    public string From { get; }

    /// <summary>Whether these are the audit trail's rows.</summary>
    public bool IsAuditTrail { get; }

    /// <summary>The resource's JSON text in row <paramref name="row"/>.</summary>
    public string Json(string row) => IsAuditTrail ? $"{row}.json" : $"{row}.data->>'Json'";

    /// <summary>The version number in row <paramref name="row"/> (AuditEvents are never updated: always 1).</summary>
    public string Version(string row) => IsAuditTrail ? "1::bigint" : $"({row}.data->>'VersionId')::bigint";

    /// <summary>
    /// The search values of a parameter type of row <paramref name="row"/>, as alias <c>x</c> with the
    /// search tables' columns, and the start of the WHERE clause that ties them to the row:
    /// <c>SELECT 1 FROM {Values(...)} x.param = ...</c>.
    /// </summary>
    public string Values(SearchParamType type, string row)
    {
        if (!IsAuditTrail)
        {
            var table = type switch
            {
                SearchParamType.Token => SearchTables.Token,
                SearchParamType.Reference => SearchTables.Reference,
                SearchParamType.Date => SearchTables.Date,
                _ => SearchTables.Text,
            };
            return $"{table} x WHERE x.resource_id = {row}.id AND";
        }

        return type switch
        {
            SearchParamType.Token => $"unnest({row}.token_param, {row}.token_system, {row}.token_code) AS x(param, system, code) WHERE",
            SearchParamType.Reference => $"unnest({row}.ref_param, {row}.ref_type, {row}.ref_id) AS x(param, target_type, target_id) WHERE",
            // The one date an AuditEvent is searched by: recorded, under "date".
            SearchParamType.Date => $"(SELECT 'date'::text, {row}.date_low, {row}.date_high) AS x(param, low, high) WHERE",
            // No string values are kept for AuditEvents (AccessAuditEvents.IndexedParameters has none).
            _ => "(SELECT NULL::text, NULL::text, NULL::text WHERE false) AS x(param, value, raw) WHERE",
        };
    }
}
