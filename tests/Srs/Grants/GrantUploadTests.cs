using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Srs.Features.Accounts;
using SeSPHR.Srs.Features.Grants;

namespace SeSPHR.Srs.Tests.Grants;

public sealed class GrantUploadTests : IClassFixture<GrantsDatabase>, IAsyncDisposable
{
    private const string Consent = "Consent/c1";

    private readonly GrantsDatabase _fixture;
    private readonly GrantsTestBed _bed;
    private readonly TestUser _patient;
    private readonly TestUser _doctor;

    public GrantUploadTests(GrantsDatabase fixture)
    {
        _fixture = fixture;
        _bed = new GrantsTestBed(fixture.Database);
        _patient = _bed.Patient();
        _doctor = _bed.Practitioner();
    }

    public async ValueTask DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public async Task Given_a_valid_statement_and_kfrag_When_uploaded_Then_accepted_and_pending_and_unusable_until_reconciled()
    {
        var statement = _bed.Statement(_patient, 1, [("vitals", 3)], [(_doctor, "vitals", null)]);

        var result = await _bed.UploadAsync(_patient, Consent, statement, _bed.Kfrag(_patient, _doctor, "vitals", 3));

        result.Refusal.ShouldBeNull();
        result.Accepted.ShouldBe(1);
        var record = (await _bed.ListAsync(_patient, Consent)).ShouldHaveSingleItem();
        record.State.ShouldBe("pending");
        record.GranteeId.ShouldBe(_doctor.Id);
        (record.Threshold, record.Shares).ShouldBe((1, 1));
        var (capsule, _) = _bed.Encrypt(_patient, "vitals", 3, [1, 2, 3]);
        var outcome = (await _bed.ReencryptAsync(_doctor, new CapsuleRequest("r", _patient.Entry.FhirUser, "vitals", 3, capsule.ToBytes()))).ShouldHaveSingleItem();
        outcome.Refused.ShouldBe(ReencryptionOutcomes.NoGrant);
    }

    [Fact]
    public async Task Given_a_kfrag_signed_by_another_key_When_uploaded_Then_refused()
    {
        var statement = _bed.Statement(_patient, 1, [("vitals", 3)], [(_doctor, "vitals", null)]);
        var forger = new Signer(SecretKey.Random());

        var result = await _bed.UploadAsync(_patient, Consent, statement, _bed.Kfrag(_patient, _doctor, "vitals", 3, signer: forger));

        ShouldBeRefused(result, StatusCodes.Status422UnprocessableEntity, "does not verify");
    }

    [Fact]
    public async Task Given_a_kfrag_made_for_another_grantees_key_When_uploaded_for_this_grantee_Then_refused()
    {
        var nurse = _bed.Practitioner();
        var statement = _bed.Statement(_patient, 1, [("vitals", 3)], [(_doctor, "vitals", null), (nurse, "vitals", null)]);

        var result = await _bed.UploadAsync(_patient, Consent, statement,
            _bed.Kfrag(_patient, _doctor, "vitals", 3, receivingKey: nurse.UmbralKey.PublicKey));

        ShouldBeRefused(result, StatusCodes.Status422UnprocessableEntity, "does not verify");
    }

    [Fact]
    public async Task Given_a_delegating_key_the_statement_does_not_name_When_uploaded_Then_refused()
    {
        var statement = _bed.Statement(_patient, 1, [("vitals", 3)], [(_doctor, "vitals", null)]);
        using var other = SecretKey.Random();

        var result = await _bed.UploadAsync(_patient, Consent, statement, _bed.Kfrag(_patient, _doctor, "vitals", 3, delegatingKey: other));

        ShouldBeRefused(result, StatusCodes.Status422UnprocessableEntity, "not the key named");
    }

    [Fact]
    public async Task Given_a_statement_signed_by_another_key_When_uploaded_Then_refused_and_nothing_stored()
    {
        var statement = _bed.Statement(_patient, 1, [("vitals", 3)], [(_doctor, "vitals", null)], signer: new Signer(SecretKey.Random()));

        var result = await _bed.UploadAsync(_patient, Consent, statement, _bed.Kfrag(_patient, _doctor, "vitals", 3));

        ShouldBeRefused(result, StatusCodes.Status422UnprocessableEntity, "signature");
        (await _bed.ListAsync(_patient, Consent)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Given_a_newer_statement_held_When_an_older_one_is_uploaded_Then_refused()
    {
        (await _bed.UploadAsync(_patient, Consent, _bed.Statement(_patient, 5, [("vitals", 3)], [(_doctor, "vitals", null)]),
            _bed.Kfrag(_patient, _doctor, "vitals", 3))).Refusal.ShouldBeNull();

        var result = await _bed.UploadAsync(_patient, Consent, _bed.Statement(_patient, 4, [("vitals", 3)], [(_doctor, "vitals", null)]),
            _bed.Kfrag(_patient, _doctor, "vitals", 3));

        ShouldBeRefused(result, StatusCodes.Status409Conflict, "older");
    }

    [Fact]
    public async Task Given_a_pending_grantee_When_uploaded_Then_refused()
    {
        var pending = _bed.Practitioner(AccountStatus.Pending);
        var statement = _bed.Statement(_patient, 1, [("vitals", 3)], [(pending, "vitals", null)]);

        var result = await _bed.UploadAsync(_patient, Consent, statement, _bed.Kfrag(_patient, pending, "vitals", 3));

        ShouldBeRefused(result, StatusCodes.Status422UnprocessableEntity, "not active");
    }

    [Fact]
    public async Task Given_a_grantee_whose_directory_keys_changed_When_uploaded_Then_refused_by_the_pinned_fingerprint()
    {
        var statement = _bed.Statement(_patient, 1, [("vitals", 3)], [(_doctor, "vitals", null)]);
        using var swapped = SecretKey.Random();
        _bed.Directory.Put(_doctor.Entry with { UmbralPublicKey = swapped.PublicKey.ToCompressedBytes() });

        var result = await _bed.UploadAsync(_patient, Consent, statement,
            _bed.Kfrag(_patient, _doctor, "vitals", 3, receivingKey: swapped.PublicKey));

        ShouldBeRefused(result, StatusCodes.Status422UnprocessableEntity, "fingerprint");
    }

    [Fact]
    public async Task Given_a_kfrag_for_a_section_the_grantee_was_not_granted_When_uploaded_Then_refused()
    {
        var statement = _bed.Statement(_patient, 1, [("vitals", 3), ("medical", 0)], [(_doctor, "vitals", null)]);

        var result = await _bed.UploadAsync(_patient, Consent, statement, _bed.Kfrag(_patient, _doctor, "medical", 0));

        ShouldBeRefused(result, StatusCodes.Status422UnprocessableEntity, "granting this grantee read");
    }

    [Fact]
    public async Task Given_a_kfrag_period_beyond_the_grant_When_uploaded_Then_refused()
    {
        var statement = _bed.Statement(_patient, 1, [("vitals", 3)], [(_doctor, "vitals", GrantsTestBed.Start.AddDays(7))]);

        var result = await _bed.UploadAsync(_patient, Consent, statement, _bed.Kfrag(_patient, _doctor, "vitals", 3, end: GrantsTestBed.Start.AddDays(8)));

        ShouldBeRefused(result, StatusCodes.Status422UnprocessableEntity, "period");
    }

    [Fact]
    public async Task Given_an_earlier_statement_named_epoch_2_When_a_kfrag_for_epoch_2_comes_with_the_epoch_3_statement_Then_only_that_key_is_accepted()
    {
        (await _bed.UploadAsync(_patient, Consent, _bed.Statement(_patient, 1, [("vitals", 2)], [(_doctor, "vitals", null)]),
            _bed.Kfrag(_patient, _doctor, "vitals", 2))).Refusal.ShouldBeNull();
        var nurse = _bed.Practitioner();
        var statement = _bed.Statement(_patient, 2, [("vitals", 3)], [(_doctor, "vitals", null), (nurse, "vitals", null)]);
        using var wrong = SecretKey.Random();

        var refused = await _bed.UploadAsync(_patient, "Consent/c2", statement, _bed.Kfrag(_patient, nurse, "vitals", 2, delegatingKey: wrong));
        var accepted = await _bed.UploadAsync(_patient, "Consent/c2", statement, _bed.Kfrag(_patient, nurse, "vitals", 2), _bed.Kfrag(_patient, nurse, "vitals", 3));

        ShouldBeRefused(refused, StatusCodes.Status422UnprocessableEntity, "epoch 2");
        accepted.Accepted.ShouldBe(2);
    }

    [Fact]
    public async Task Given_a_kfrag_for_an_epoch_newer_than_the_statements_When_uploaded_Then_refused()
    {
        var statement = _bed.Statement(_patient, 1, [("vitals", 3)], [(_doctor, "vitals", null)]);

        var result = await _bed.UploadAsync(_patient, Consent, statement, _bed.Kfrag(_patient, _doctor, "vitals", 4));

        ShouldBeRefused(result, StatusCodes.Status422UnprocessableEntity, "newer");
    }

    [Fact]
    public async Task Given_pending_kfrags_older_than_their_lifetime_When_swept_Then_deleted_and_younger_ones_kept()
    {
        var statement = _bed.Statement(_patient, 1, [("vitals", 3)], [(_doctor, "vitals", null)]);
        await _bed.UploadAsync(_patient, Consent, statement, _bed.Kfrag(_patient, _doctor, "vitals", 3));
        _bed.Clock.Advance(TimeSpan.FromMinutes(11));
        await _bed.UploadAsync(_patient, "Consent/young", statement, _bed.Kfrag(_patient, _doctor, "vitals", 3));

        await using (var scope = _bed.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SeSPHR.Srs.Storage.SrsDbContext>();
            await PendingGrantSweeper.SweepAsync(db, TimeSpan.FromMinutes(10), _bed.Clock.GetUtcNow(), CancellationToken.None);
        }

        (await _bed.ListAsync(_patient, Consent)).ShouldBeEmpty();
        (await _bed.ListAsync(_patient, "Consent/young")).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Given_a_statement_about_another_patient_signed_by_the_caller_When_uploaded_Then_refused()
    {
        var other = _bed.Patient();
        var sectionKey = _bed.SectionKey(_patient, "vitals", 3);
        var statement = new SeSPHR.Crypto.Grants.GrantStatement(other.Id.ToString(), 1, GrantsTestBed.Start,
            [new SeSPHR.Crypto.Grants.SectionKey("vitals", 3, sectionKey.PublicKey)],
            [new SeSPHR.Crypto.Grants.GranteeGrants(_doctor.Id.ToString(), _doctor.Fingerprint,
                [new SeSPHR.Crypto.Grants.SectionGrant("vitals", SeSPHR.Crypto.Grants.GrantActions.Read, GrantsTestBed.Start)])]);

        var result = await _bed.UploadAsync(_patient, Consent, StatementUpload.Of(statement, _patient.Signer), _bed.Kfrag(_patient, _doctor, "vitals", 3));

        ShouldBeRefused(result, StatusCodes.Status422UnprocessableEntity, "another patient");
    }

    [Fact]
    public async Task Given_an_accepted_kfrag_When_stored_Then_its_row_records_umbrals_kfrag_id_and_threshold_1_of_1()
    {
        var statement = _bed.Statement(_patient, 1, [("vitals", 3)], [(_doctor, "vitals", null)]);
        var offer = _bed.Kfrag(_patient, _doctor, "vitals", 3);

        await _bed.UploadAsync(_patient, "Consent/kfrag-id", statement, offer);

        // KeyFrag.ToString shows the first 8 bytes of its id.
        var idPrefix = KeyFrag.FromBytes(offer.KeyFrag).ToString()["KeyFrag(".Length..^2];
        var stored = await _fixture.Database.ScalarAsync<string>(
            $"SELECT encode(\"KeyFragId\", 'hex') || ':' || \"Threshold\" || '/' || \"Shares\" FROM srs.reencryption_keys WHERE \"ConsentId\" = 'Consent/kfrag-id' AND \"PatientUserId\" = '{_patient.Id}'");
        stored.ShouldNotBeNull();
        stored.ShouldStartWith(idPrefix);
        stored.Split(':')[0].Length.ShouldBe(64);
        stored.ShouldEndWith(":1/1");
    }

    [Fact]
    public async Task Given_a_kfrag_whose_signature_does_not_cover_the_delegating_key_When_uploaded_Then_refused()
    {
        var statement = _bed.Statement(_patient, 1, [("vitals", 3)], [(_doctor, "vitals", null)]);
        var delegating = _bed.SectionKey(_patient, "vitals", 3);
        var unbound = UmbralPre.GenerateKFrags(delegating, _doctor.UmbralKey.PublicKey, _patient.Signer, 1, 1, signDelegatingKey: false, signReceivingKey: true)[0];
        var offer = _bed.Kfrag(_patient, _doctor, "vitals", 3) with { KeyFrag = unbound.ToBytes() };

        var result = await _bed.UploadAsync(_patient, Consent, statement, offer);

        ShouldBeRefused(result, StatusCodes.Status422UnprocessableEntity, "cover the delegating key");
    }

    private static void ShouldBeRefused(GrantUploadResult result, int status, string titlePart)
    {
        result.Accepted.ShouldBe(0);
        var refusal = result.Refusal.ShouldNotBeNull();
        refusal.Status.ShouldBe(status);
        refusal.Title.ShouldContain(titlePart, Case.Insensitive);
    }
}
