using Npgsql;
using NpgsqlTypes;
using SeSPHR.Srs.Features.Accounts;

namespace SeSPHR.Srs.Features.Grants;

/// <summary>An active kfrag as the re-encryption path needs it: no public keys, no statement, no tracking.</summary>
public sealed record ActiveKfrag(
    long Id, string PatientFhirUser, string Section, long Epoch, string ConsentId, byte[] KeyFragBytes,
    DateTimeOffset Start, DateTimeOffset? End, DateTimeOffset? ActivatedAt)
{
    public bool Covers(DateTimeOffset at) => at >= Start && (End is null || at < End);
}

/// <summary>The grantee's directory status (null: no such account) and, only when active, their active kfrags for the patients and sections asked.</summary>
public sealed record GranteeKfrags(AccountStatus? Status, IReadOnlyList<ActiveKfrag> Kfrags);

/// <summary>
/// The read side of a re-encryption call in one round trip: the grantee's account status and all
/// the items' kfrags come back from one statement (a left join), read with plain Npgsql so that no
/// change tracker, model or second query sits on the hot path. The kfrags are joined only when the
/// account is active, so a suspended grantee's key bytes are not even read.
/// </summary>
public sealed class ReencryptionLookup(NpgsqlDataSource dataSource)
{
    // Column and table names are EF Core's (ReencryptionKeyConfiguration, AccountConfiguration).
    private const string Sql = """
        SELECT a."Status", k."Id", k."PatientFhirUser", k."Section", k."Epoch", k."ConsentId", k."KeyFragBytes",
               k."Start", k."End", k."ActivatedAt"
        FROM srs.accounts a
        LEFT JOIN srs.reencryption_keys k
          ON a."Status" = 'Active'
         AND k."GranteeUserId" = a."Id"
         AND k."State" = 'Active'
         AND k."PatientFhirUser" = ANY(@patients)
         AND k."Section" = ANY(@sections)
        WHERE a."Id" = @grantee
        """;

    public async Task<GranteeKfrags> LoadAsync(
        Guid granteeUserId, IReadOnlyCollection<string> patients, IReadOnlyCollection<string> sections, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(patients);
        ArgumentNullException.ThrowIfNull(sections);
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<Guid>("grantee", NpgsqlDbType.Uuid) { TypedValue = granteeUserId });
        command.Parameters.Add(new NpgsqlParameter<string[]>("patients", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. patients] });
        command.Parameters.Add(new NpgsqlParameter<string[]>("sections", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. sections] });

        AccountStatus? status = null;
        var kfrags = new List<ActiveKfrag>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            // An unknown status string (a newer schema) counts as not active.
            status ??= Enum.TryParse<AccountStatus>(reader.GetString(0), out var parsed) ? parsed : AccountStatus.Suspended;
            if (reader.IsDBNull(1))
                continue;
            kfrags.Add(new ActiveKfrag(
                reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4), reader.GetString(5),
                reader.GetFieldValue<byte[]>(6), reader.GetFieldValue<DateTimeOffset>(7),
                reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
                reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9)));
        }

        return new GranteeKfrags(status, kfrags);
    }
}
