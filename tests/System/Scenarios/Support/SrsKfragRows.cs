using Npgsql;
using SeSPHR.SystemTests.Infrastructure;

namespace SeSPHR.SystemTests.Scenarios.Support;

/// <summary>One kfrag row as the SRS database holds it (src/Srs/Features/Grants: <c>srs.reencryption_keys</c>).</summary>
public sealed record SrsKfragRow(
    long Id,
    string PatientFhirUser,
    string ConsentId,
    string Section,
    long Epoch,
    string GranteeUserId,
    byte[] DelegatingPublicKey,
    byte[] KeyFragBytes,
    string State)
{
    /// <summary>The Consent's bare id, whichever form (<c>Consent/c1</c> or <c>c1</c>) the row stores.</summary>
    public string BareConsentId => ConsentId.StartsWith("Consent/", StringComparison.Ordinal) ? ConsentId["Consent/".Length..] : ConsentId;

    public bool IsActive => State.Equals("Active", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Reads the SRS's kfrag table with SQL, as the SRS's database administrator could: what is there,
/// including the kfrag bytes the API never returns. Names the table and columns the srs-grants
/// feature created; when they are missing the test fails saying so.
/// </summary>
public static class SrsKfragRows
{
    public const string Table = "srs.reencryption_keys";

    public static Task<IReadOnlyList<SrsKfragRow>> OfPatientAsync(SesphrSystem system, string patientFhirUser) =>
        QueryAsync(system, "\"PatientFhirUser\" = @value", patientFhirUser);

    public static Task<IReadOnlyList<SrsKfragRow>> OfGranteeAsync(SesphrSystem system, string granteeUserId) =>
        QueryAsync(system, "\"GranteeUserId\"::text = @value", granteeUserId);

    public static Task<IReadOnlyList<SrsKfragRow>> AllAsync(SesphrSystem system) => QueryAsync(system, "true", "");

    private static async Task<IReadOnlyList<SrsKfragRow>> QueryAsync(SesphrSystem system, string condition, string value)
    {
        await using var connection = new NpgsqlConnection(system.SrsDatabase.ConnectionString);
        await connection.OpenAsync();
        await using (var exists = new NpgsqlCommand($"SELECT to_regclass('{Table}') IS NOT NULL", connection))
        {
            ((bool)(await exists.ExecuteScalarAsync())!).ShouldBeTrue($"the SRS database has no {Table}: the SRS's grant feature (srs-grants) is not in this build");
        }

        await using var command = new NpgsqlCommand(
            $"""
            SELECT "Id", "PatientFhirUser", "ConsentId", "Section", "Epoch", "GranteeUserId"::text,
                   "DelegatingPublicKey", "KeyFragBytes", "State"
            FROM {Table} WHERE {condition} ORDER BY "Id"
            """, connection);
        command.Parameters.AddWithValue("value", value);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<SrsKfragRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new SrsKfragRow(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4),
                reader.GetString(5), (byte[])reader[6], (byte[])reader[7], reader.GetString(8)));
        }

        return rows;
    }
}
