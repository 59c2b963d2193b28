using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace SeSPHR.FhirServer.Storage;

/// <summary>
/// The typed search-value tables beside the resource documents (as HAPI's HFJ_SPIDX_* or
/// Microsoft's search tables): one row per value, keyed by the resource's <c>{type}/{id}</c>,
/// replaced whenever the resource changes, in the same transaction.
/// </summary>
public static class SearchTables
{
    public const string Schema = "fhir";
    public const string Token = "fhir.search_token";
    public const string Reference = "fhir.search_reference";
    public const string Date = "fhir.search_date";
    public const string Text = "fhir.search_string";

    public static IEnumerable<Table> All()
    {
        var token = Create("search_token", ("system", "text", true), ("code", "text", false));
        token.Indexes.Add(new IndexDefinition("ix_search_token_value") { Columns = ["param", "code", "resource_type"] });
        yield return token;

        var reference = Create("search_reference", ("target_type", "text", false), ("target_id", "text", false));
        reference.Indexes.Add(new IndexDefinition("ix_search_reference_target") { Columns = ["target_id", "param", "target_type"] });
        yield return reference;

        var date = Create("search_date", ("low", "timestamptz", false), ("high", "timestamptz", false));
        date.Indexes.Add(new IndexDefinition("ix_search_date_range") { Columns = ["resource_type", "param", "low", "high"] });
        yield return date;

        var text = Create("search_string", ("value", "text", false), ("raw", "text", false));
        text.Indexes.Add(new IndexDefinition("ix_search_string_value") { Columns = ["resource_type", "param", "value text_pattern_ops"] });
        yield return text;
    }

    private static Table Create(string name, params (string Name, string Type, bool Nullable)[] valueColumns)
    {
        var table = new Table(new PostgresqlObjectName(Schema, name, SchemaUtils.IdentifierUsage.General));
        table.AddColumn("resource_id", "text").NotNull();
        table.AddColumn("resource_type", "text").NotNull();
        table.AddColumn("param", "text").NotNull();
        foreach (var column in valueColumns)
        {
            var added = table.AddColumn(column.Name, column.Type);
            if (!column.Nullable)
            {
                added.NotNull();
            }
        }

        table.Indexes.Add(new IndexDefinition($"ix_{name}_resource") { Columns = ["resource_id"] });
        return table;
    }
}
