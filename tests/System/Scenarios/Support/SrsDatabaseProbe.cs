using Npgsql;
using SeSPHR.SystemTests.Infrastructure;

namespace SeSPHR.SystemTests.Scenarios.Support;

/// <summary>
/// Looks into the SRS database the way its administrator could, for what the API would not say:
/// whether any kfrag row for a grantee is left. The kfrag table is found by its shape (a table of
/// the <c>srs</c> schema whose name speaks of kfrags or key fragments and that has a grantee
/// column), so the probe does not depend on the SRS's entity names; finding none fails the test.
/// </summary>
public static class SrsDatabaseProbe
{
    public static async Task<long> KfragRowsForGranteeAsync(SesphrSystem system, string granteeUserId)
    {
        await using var connection = new NpgsqlConnection(system.SrsDatabase.ConnectionString);
        await connection.OpenAsync();
        var tables = new List<(string Table, string Column)>();
        await using (var find = new NpgsqlCommand(
            """
            SELECT table_name, column_name FROM information_schema.columns
            WHERE table_schema = 'srs'
              AND (table_name ILIKE '%kfrag%' OR table_name ILIKE '%key_frag%' OR table_name ILIKE '%keyfrag%' OR table_name ILIKE '%reencryption_key%')
              AND column_name ILIKE '%grantee%' AND column_name NOT ILIKE '%fhir%'
            """, connection))
        await using (var reader = await find.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        tables.ShouldNotBeEmpty("no kfrag table with a grantee column in the SRS database's srs schema");
        long rows = 0;
        foreach (var (table, column) in tables)
        {
            await using var count = new NpgsqlCommand(
                $"SELECT count(*) FROM srs.\"{table}\" WHERE \"{column}\"::text = @grantee", connection);
            count.Parameters.AddWithValue("grantee", granteeUserId);
            rows += (long)(await count.ExecuteScalarAsync())!;
        }

        return rows;
    }
}
