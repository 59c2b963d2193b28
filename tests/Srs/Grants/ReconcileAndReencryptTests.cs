using System.Text;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Srs.Features.Accounts;
using SeSPHR.Srs.Features.Grants;

namespace SeSPHR.Srs.Tests.Grants;

public sealed class ReconcileAndReencryptTests : IClassFixture<GrantsDatabase>, IAsyncDisposable
{
    private static readonly byte[] Pulse = Encoding.UTF8.GetBytes("{\"pulse\":72}");

    private readonly GrantsDatabase _fixture;
    private readonly GrantsTestBed _bed;
    private readonly TestUser _patient;
    private readonly TestUser _doctor;
    private readonly TestUser _nurse;
    private readonly string _consent;

    public ReconcileAndReencryptTests(GrantsDatabase fixture)
    {
        _fixture = fixture;
        _bed = new GrantsTestBed(fixture.Database);
        _patient = _bed.Patient();
        _doctor = _bed.Practitioner();
        _nurse = _bed.Practitioner();
        _consent = $"Consent/{Guid.NewGuid():N}";
    }

    public async ValueTask DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public async Task Given_pending_kfrags_When_the_consent_grants_one_grantee_Then_that_one_is_activated_and_clamped_and_the_other_deleted()
    {
        await UploadVitalsForDoctorAndNurseAsync();
        var end = GrantsTestBed.Start.AddDays(5);

        var result = await _bed.ReconcileAsync(_consent, _patient, ReadVitals(_doctor, end: end));

        result.ShouldBe(new ReconcileResult(Active: 1, Deleted: 1));
        var record = (await _bed.ListAsync(_patient, _consent)).ShouldHaveSingleItem();
        record.GranteeId.ShouldBe(_doctor.Id);
        record.State.ShouldBe("active");
        record.End.ShouldBe(end);
        (await CountKeysAsync(_nurse)).ShouldBe(0);
    }

    [Fact]
    public async Task Given_active_kfrags_When_the_consent_is_reconciled_with_no_grants_Then_the_database_holds_no_kfrag_for_the_grantee()
    {
        await UploadVitalsForDoctorAndNurseAsync();
        await _bed.ReconcileAsync(_consent, _patient, ReadVitals(_doctor), ReadVitals(_nurse));
        (await CountKeysAsync(_doctor)).ShouldBe(1);

        var result = await _bed.ReconcileAsync(_consent, _patient);

        result.ShouldBe(new ReconcileResult(Active: 0, Deleted: 2));
        (await CountKeysAsync(_doctor)).ShouldBe(0);
        (await CountKeysAsync(_nurse)).ShouldBe(0);
    }

    [Fact]
    public async Task Given_a_role_grant_When_reconciled_Then_it_covers_kfrags_of_grantees_whose_directory_role_matches()
    {
        var insurer = _bed.Register("insurer", "Organization");
        var statement = _bed.Statement(_patient, 1, [("vitals", 3)], [(_doctor, "vitals", null), (insurer, "vitals", null)]);
        (await _bed.UploadAsync(_patient, _consent, statement, _bed.Kfrag(_patient, _doctor, "vitals", 3), _bed.Kfrag(_patient, insurer, "vitals", 3)))
            .Refusal.ShouldBeNull();

        var result = await _bed.ReconcileAsync(_consent, _patient, new ConsentGrant(null, "practitioner", "vitals", Read: true, null, null));

        result.ShouldBe(new ReconcileResult(Active: 1, Deleted: 1));
        (await CountKeysAsync(_doctor)).ShouldBe(1);
        (await CountKeysAsync(insurer)).ShouldBe(0);
    }

    [Fact]
    public async Task Given_an_active_kfrag_When_the_grantee_asks_Then_the_cfrag_verifies_and_opens_the_capsule_for_the_grantee_only()
    {
        await ActivateDoctorAsync();
        var (capsule, ciphertext) = _bed.Encrypt(_patient, "vitals", 3, Pulse);

        var outcome = (await _bed.ReencryptAsync(_doctor, Item("r1", capsule.ToBytes()))).ShouldHaveSingleItem();

        outcome.Ref.ShouldBe("r1");
        outcome.Refused.ShouldBeNull();
        var cfrag = outcome.Cfrag.ShouldNotBeNull();
        _bed.OpenAsGrantee(_patient, _doctor, "vitals", 3, capsule, ciphertext, cfrag).ShouldBe(Pulse);
        Should.Throw<UmbralException>(() => _bed.OpenAsGrantee(_patient, _nurse, "vitals", 3, capsule, ciphertext, cfrag));
    }

    [Fact]
    public async Task Given_an_active_kfrag_When_the_capsule_of_a_section_envelope_is_reencrypted_Then_the_grantee_opens_the_envelope()
    {
        await ActivateDoctorAsync();
        var context = new EnvelopeContext("Observation", "o1", "vitals", 3);
        var boundFields = new byte[SectionEnvelope.BoundFieldsHashSize];
        var sectionKey = _bed.SectionKey(_patient, "vitals", 3).PublicKey;
        var envelope = SectionEnvelope.Seal(context, sectionKey, Pulse, boundFields, _patient.Signer);
        var header = SectionEnvelope.ReadHeader(envelope);

        var outcome = (await _bed.ReencryptAsync(_doctor,
            new CapsuleRequest("o1#vitals", _patient.Entry.FhirUser, header.SectionCode, header.Epoch, header.Capsule.ToBytes()))).ShouldHaveSingleItem();

        var recipient = EnvelopeRecipient.Grantee(_doctor.UmbralKey, sectionKey, _patient.SigningKey.PublicKey, [CapsuleFrag.FromBytes(outcome.Cfrag.ShouldNotBeNull())]);
        SectionEnvelope.Open(envelope, context, boundFields, _patient.SigningKey.PublicKey, recipient).ShouldBe(Pulse);
    }

    [Fact]
    public async Task Given_no_kfrag_for_the_grantee_When_asked_Then_no_grant()
    {
        await ActivateDoctorAsync();
        var (capsule, _) = _bed.Encrypt(_patient, "vitals", 3, Pulse);

        var outcome = (await _bed.ReencryptAsync(_nurse, Item("r1", capsule.ToBytes()))).ShouldHaveSingleItem();

        outcome.Refused.ShouldBe(ReencryptionOutcomes.NoGrant);
        outcome.Cfrag.ShouldBeNull();
    }

    [Fact]
    public async Task Given_a_kfrag_whose_period_ended_When_asked_after_the_end_Then_expired()
    {
        await ActivateDoctorAsync(end: GrantsTestBed.Start.AddDays(1));
        var (capsule, _) = _bed.Encrypt(_patient, "vitals", 3, Pulse);
        var before = (await _bed.ReencryptAsync(_doctor, Item("before", capsule.ToBytes())))[0];
        before.Cfrag.ShouldNotBeNull();
        // Sent with the cfrag, so the FhirServer replays it no longer than that.
        before.Until.ShouldBe(GrantsTestBed.Start.AddDays(1));
        (await _bed.ReencryptAsync(_doctor, Item("cached", capsule.ToBytes())))[0].Until.ShouldBe(GrantsTestBed.Start.AddDays(1));

        _bed.Clock.Advance(TimeSpan.FromDays(1));
        var outcome = (await _bed.ReencryptAsync(_doctor, Item("after", capsule.ToBytes()))).ShouldHaveSingleItem();

        outcome.Refused.ShouldBe(ReencryptionOutcomes.Expired);
    }

    [Theory]
    [InlineData("medical", 3u)]
    [InlineData("vitals", 2u)]
    public async Task Given_a_kfrag_for_vitals_epoch_3_When_asked_for_another_section_or_epoch_Then_no_grant(string section, uint epoch)
    {
        await ActivateDoctorAsync();
        var (capsule, _) = _bed.Encrypt(_patient, section, epoch, Pulse);

        var outcome = (await _bed.ReencryptAsync(_doctor, new CapsuleRequest("r", _patient.Entry.FhirUser, section, epoch, capsule.ToBytes()))).ShouldHaveSingleItem();

        outcome.Refused.ShouldBe(ReencryptionOutcomes.NoGrant);
    }

    [Fact]
    public async Task Given_a_cached_cfrag_When_the_consent_is_revoked_Then_the_next_request_is_refused()
    {
        await ActivateDoctorAsync();
        var (capsule, _) = _bed.Encrypt(_patient, "vitals", 3, Pulse);
        var first = (await _bed.ReencryptAsync(_doctor, Item("r", capsule.ToBytes())))[0].Cfrag;
        var second = (await _bed.ReencryptAsync(_doctor, Item("r", capsule.ToBytes())))[0].Cfrag;
        second.ShouldBe(first, "re-encryption is randomized, so the same bytes mean the cache answered");

        await _bed.ReconcileAsync(_consent, _patient);
        var outcome = (await _bed.ReencryptAsync(_doctor, Item("r", capsule.ToBytes()))).ShouldHaveSingleItem();

        outcome.Refused.ShouldBe(ReencryptionOutcomes.NoGrant);
        outcome.Cfrag.ShouldBeNull();
    }

    [Fact]
    public async Task Given_a_suspended_grantee_When_asked_Then_no_grant()
    {
        await ActivateDoctorAsync();
        _bed.Directory.Put(_doctor.Entry with { Status = AccountStatus.Suspended });
        var (capsule, _) = _bed.Encrypt(_patient, "vitals", 3, Pulse);

        var outcome = (await _bed.ReencryptAsync(_doctor, Item("r", capsule.ToBytes()))).ShouldHaveSingleItem();

        outcome.Refused.ShouldBe(ReencryptionOutcomes.NoGrant);
    }

    [Fact]
    public async Task Given_a_batch_with_one_bad_capsule_When_asked_Then_only_that_item_is_refused_and_every_item_is_logged_without_capsule_bytes()
    {
        await ActivateDoctorAsync();
        var (capsule, _) = _bed.Encrypt(_patient, "vitals", 3, Pulse);
        var tampered = capsule.ToBytes();
        tampered[^1] ^= 1;

        var outcomes = await _bed.ReencryptAsync(_doctor,
            Item("good", capsule.ToBytes()), Item("tampered", tampered), Item("not-base64", null), Item("short", [1, 2, 3]),
            new CapsuleRequest("other-section", _patient.Entry.FhirUser, "medical", 3, capsule.ToBytes()));

        outcomes.Select(o => (o.Ref, o.Refused)).ShouldBe(
        [
            ("good", null), ("tampered", ReencryptionOutcomes.BadCapsule), ("not-base64", ReencryptionOutcomes.BadCapsule),
            ("short", ReencryptionOutcomes.BadCapsule), ("other-section", ReencryptionOutcomes.NoGrant),
        ]);
        var database = _fixture.Database;
        (await database.ScalarAsync<long>($"SELECT count(*) FROM srs.reencryption_log WHERE \"GranteeUserId\" = '{_doctor.Id}'")).ShouldBe(5);
        (await database.ScalarAsync<long>(
            $"SELECT count(*) FROM srs.reencryption_log WHERE \"GranteeUserId\" = '{_doctor.Id}' AND \"Outcome\" = 'granted' AND \"ReencryptionKeyId\" IS NOT NULL")).ShouldBe(1);
        (await database.ScalarAsync<long>(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'srs' AND table_name = 'reencryption_log' AND data_type = 'bytea'")).ShouldBe(0);
        var logText = await database.ScalarAsync<string>(
            $"SELECT string_agg(l::text, '|') FROM srs.reencryption_log l WHERE \"GranteeUserId\" = '{_doctor.Id}'");
        logText.ShouldNotBeNull();
        logText.ShouldNotContain(Convert.ToBase64String(capsule.ToBytes()));
        logText.ShouldNotContain(Convert.ToHexStringLower(capsule.ToBytes())[..40]);
    }

    [Fact]
    public async Task Given_a_pending_kfrag_replaced_by_a_repair_upload_When_reconciled_Then_one_active_kfrag_remains()
    {
        var statement = _bed.Statement(_patient, 1, [("vitals", 3)], [(_doctor, "vitals", null)]);
        await _bed.UploadAsync(_patient, _consent, statement, _bed.Kfrag(_patient, _doctor, "vitals", 3));
        await _bed.UploadAsync(_patient, _consent, statement, _bed.Kfrag(_patient, _doctor, "vitals", 3));

        var result = await _bed.ReconcileAsync(_consent, _patient, ReadVitals(_doctor));

        result.ShouldBe(new ReconcileResult(Active: 1, Deleted: 0));
        (await CountKeysAsync(_doctor)).ShouldBe(1);
    }

    [Fact]
    public async Task Given_another_patient_uploaded_kfrags_under_this_Consent_id_When_reconciled_Then_theirs_are_deleted_not_activated()
    {
        var squatter = _bed.Patient();
        var statement = _bed.Statement(squatter, 1, [("vitals", 3)], [(_doctor, "vitals", null)]);
        (await _bed.UploadAsync(squatter, _consent, statement, _bed.Kfrag(squatter, _doctor, "vitals", 3))).Refusal.ShouldBeNull();
        await UploadVitalsForDoctorAndNurseAsync();

        var result = await _bed.ReconcileAsync(_consent, _patient, ReadVitals(_doctor));

        result.ShouldBe(new ReconcileResult(Active: 1, Deleted: 2));
        (await _bed.ListAsync(squatter, _consent)).ShouldBeEmpty();
        (await _bed.ListAsync(_patient, _consent)).ShouldHaveSingleItem().State.ShouldBe("active");
    }

    private CapsuleRequest Item(string reference, byte[]? capsule) => new(reference, _patient.Entry.FhirUser, "vitals", 3, capsule);

    private static ConsentGrant ReadVitals(TestUser grantee, DateTimeOffset? end = null) =>
        new(grantee.Entry.FhirUser, null, "vitals", Read: true, null, end);

    private async Task UploadVitalsForDoctorAndNurseAsync()
    {
        var statement = _bed.Statement(_patient, 1, [("vitals", 3)], [(_doctor, "vitals", null), (_nurse, "vitals", null)]);
        (await _bed.UploadAsync(_patient, _consent, statement, _bed.Kfrag(_patient, _doctor, "vitals", 3), _bed.Kfrag(_patient, _nurse, "vitals", 3)))
            .Refusal.ShouldBeNull();
    }

    private async Task ActivateDoctorAsync(DateTimeOffset? end = null)
    {
        var statement = _bed.Statement(_patient, 1, [("vitals", 3)], [(_doctor, "vitals", end)]);
        (await _bed.UploadAsync(_patient, _consent, statement, _bed.Kfrag(_patient, _doctor, "vitals", 3, end: end))).Refusal.ShouldBeNull();
        (await _bed.ReconcileAsync(_consent, _patient, ReadVitals(_doctor))).Active.ShouldBe(1);
    }

    private async Task<long> CountKeysAsync(TestUser grantee) =>
        await _fixture.Database.ScalarAsync<long>($"SELECT count(*) FROM srs.reencryption_keys WHERE \"GranteeUserId\" = '{grantee.Id}'");
}
