using Microsoft.Extensions.DependencyInjection;
using SeSPHR.Srs.Features.Grants;

namespace SeSPHR.Srs.Tests.Grants;

/// <summary>
/// The re-encryption log's group commit: concurrent calls share transactions and still have every
/// item logged before they answer; a log that cannot be written fails the call, so no cfrag is sent unlogged.
/// </summary>
public sealed class ReencryptionLogTests : IClassFixture<GrantsDatabase>, IAsyncDisposable
{
    private static readonly byte[] Pulse = "pulse 72"u8.ToArray();
    private readonly GrantsDatabase _fixture;
    private readonly GrantsTestBed _bed;
    private readonly TestUser _patient;
    private readonly TestUser _doctor;

    public ReencryptionLogTests(GrantsDatabase fixture)
    {
        _fixture = fixture;
        _bed = new GrantsTestBed(fixture.Database);
        _patient = _bed.Patient();
        _doctor = _bed.Practitioner();
    }

    public async ValueTask DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public async Task Given_many_concurrent_calls_When_they_reencrypt_Then_every_item_is_logged_in_fewer_transactions_than_calls()
    {
        var consent = $"Consent/{Guid.NewGuid():N}";
        await _bed.UploadAsync(_patient, consent, _bed.Statement(_patient, 1, [("vitals", 3)], [(_doctor, "vitals", null)]), _bed.Kfrag(_patient, _doctor, "vitals", 3));
        await _bed.ReconcileAsync(consent, _patient, new ConsentGrant(_doctor.Entry.FhirUser, null, "vitals", true, null, null));
        var (capsule, _) = _bed.Encrypt(_patient, "vitals", 3, Pulse);
        var log = _bed.Services.GetRequiredService<ReencryptionLog>();
        var before = log.Transactions;

        var calls = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(() => _bed.ReencryptAsync(_doctor,
            new CapsuleRequest($"a{i}", _patient.Entry.FhirUser, "vitals", 3, capsule.ToBytes()),
            new CapsuleRequest($"b{i}", _patient.Entry.FhirUser, "medical", 3, capsule.ToBytes())))));

        calls.ShouldAllBe(outcomes => outcomes[0].Cfrag != null && outcomes[1].Refused == ReencryptionOutcomes.NoGrant);
        (await _fixture.Database.ScalarAsync<long>($"SELECT count(*) FROM srs.reencryption_log WHERE \"GranteeUserId\" = '{_doctor.Id}'")).ShouldBe(100);
        (await _fixture.Database.ScalarAsync<long>(
            $"SELECT count(*) FROM srs.reencryption_log WHERE \"GranteeUserId\" = '{_doctor.Id}' AND \"Outcome\" = 'granted' AND \"ReencryptionKeyId\" IS NOT NULL")).ShouldBe(50);
        (log.Transactions - before).ShouldBeLessThan(50);
    }

    [Fact]
    public async Task Given_the_log_commits_without_waiting_for_its_flush_When_rows_were_logged_Then_its_pooled_connection_still_commits_durably()
    {
        // The log's relaxed commit is its own transaction's setting: were it to stay on a pooled
        // connection, a kfrag deletion on revocation could be acknowledged before it is on disk.
        // One connection and no reset on close, so what the writer left on it is what the next user
        // gets; durable commits asked for explicitly, as the throwaway test cluster runs without them.
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(_fixture.Database.ConnectionString)
        {
            MaxPoolSize = 1,
            NoResetOnClose = true,
            Options = "-c synchronous_commit=on",
        };
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(builder.ConnectionString);
        using var log = new ReencryptionLog(dataSource, Microsoft.Extensions.Options.Options.Create(new GrantOptions()),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<ReencryptionLog>.Instance);
        var grantee = Guid.NewGuid();
        await log.RecordAsync([new ReencryptionLogRow(GrantsTestBed.Start, grantee, _patient.Entry.FhirUser, "vitals", 3, ReencryptionOutcomes.NoGrant, null)], CancellationToken.None);
        (await _fixture.Database.ScalarAsync<long>($"SELECT count(*) FROM srs.reencryption_log WHERE \"GranteeUserId\" = '{grantee}'")).ShouldBe(1);

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var show = new Npgsql.NpgsqlCommand("SHOW synchronous_commit", connection);
        ((string?)await show.ExecuteScalarAsync()).ShouldBe("on");
    }

    [Fact]
    public async Task Given_the_log_cannot_be_written_When_a_grantee_asks_Then_the_call_fails_unavailable_and_answers_no_cfrag()
    {
        var consent = $"Consent/{Guid.NewGuid():N}";
        await _bed.UploadAsync(_patient, consent, _bed.Statement(_patient, 1, [("vitals", 3)], [(_doctor, "vitals", null)]), _bed.Kfrag(_patient, _doctor, "vitals", 3));
        await _bed.ReconcileAsync(consent, _patient, new ConsentGrant(_doctor.Entry.FhirUser, null, "vitals", true, null, null));
        var (capsule, _) = _bed.Encrypt(_patient, "vitals", 3, Pulse);
        await _fixture.Database.ScalarAsync<int>("ALTER TABLE srs.reencryption_log RENAME TO reencryption_log_away");
        try
        {
            var failure = await Should.ThrowAsync<ReencryptionLogUnavailableException>(() =>
                _bed.ReencryptAsync(_doctor, new CapsuleRequest("r", _patient.Entry.FhirUser, "vitals", 3, capsule.ToBytes())));
            SeSPHR.Srs.Security.DatabaseUnavailableHandler.IsUnavailable(failure).ShouldBeTrue("the endpoint answers it with 503");
        }
        finally
        {
            await _fixture.Database.ScalarAsync<int>("ALTER TABLE srs.reencryption_log_away RENAME TO reencryption_log");
        }

        // The writer lives on: the next call is answered and logged.
        (await _bed.ReencryptAsync(_doctor, new CapsuleRequest("r", _patient.Entry.FhirUser, "vitals", 3, capsule.ToBytes())))[0].Cfrag.ShouldNotBeNull();
    }
}
