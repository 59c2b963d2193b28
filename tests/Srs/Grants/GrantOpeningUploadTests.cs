using Microsoft.AspNetCore.Http;
using SeSPHR.Srs.Features.Grants;

namespace SeSPHR.Srs.Tests.Grants;

/// <summary>
/// The SRS checks each kfrag against the signed statement header and the grantee's own entry, proved
/// by its opening; it needs no other entry, and an entry the patient did not sign under that root
/// is refused.
/// </summary>
public sealed class GrantOpeningUploadTests : IClassFixture<GrantsDatabase>, IAsyncDisposable
{
    private const string Consent = "Consent/o1";

    private readonly GrantsTestBed _bed;
    private readonly TestUser _patient;
    private readonly TestUser _doctor;
    private readonly TestUser _nurse;

    public GrantOpeningUploadTests(GrantsDatabase fixture)
    {
        _bed = new GrantsTestBed(fixture.Database);
        _patient = _bed.Patient();
        _doctor = _bed.Practitioner();
        _nurse = _bed.Practitioner();
    }

    public async ValueTask DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public async Task Given_only_the_grantees_own_opening_When_uploaded_Then_accepted_without_the_other_entries()
    {
        var statement = _bed.Statement(_patient, 1, [("vitals", 3)], [(_doctor, "vitals", null), (_nurse, "vitals", null)]);

        var result = await _bed.UploadAsync(_patient, Consent, OnlyOpeningsOf(statement, _doctor), _bed.Kfrag(_patient, _doctor, "vitals", 3));

        result.Refusal.ShouldBeNull();
        result.Accepted.ShouldBe(1);
    }

    [Fact]
    public async Task Given_only_another_grantees_opening_When_a_kfrag_for_the_grantee_is_uploaded_Then_refused()
    {
        var statement = _bed.Statement(_patient, 1, [("vitals", 3)], [(_doctor, "vitals", null), (_nurse, "vitals", null)]);

        var result = await _bed.UploadAsync(_patient, Consent, OnlyOpeningsOf(statement, _nurse), _bed.Kfrag(_patient, _doctor, "vitals", 3));

        ShouldBeRefused(result, "no opening shows");
    }

    [Fact]
    public async Task Given_an_opening_of_another_statement_When_uploaded_Then_refused()
    {
        var older = _bed.Statement(_patient, 1, [("vitals", 3)], [(_doctor, "vitals", null)]);
        var newer = _bed.Statement(_patient, 2, [("vitals", 3)], [(_doctor, "vitals", null)]);

        var result = await _bed.UploadAsync(_patient, Consent, newer with { Openings = older.Openings }, _bed.Kfrag(_patient, _doctor, "vitals", 3));

        ShouldBeRefused(result, "grantOpenings");
    }

    [Fact]
    public async Task Given_an_opening_with_a_flipped_bit_When_uploaded_Then_refused()
    {
        var statement = _bed.Statement(_patient, 1, [("vitals", 3)], [(_doctor, "vitals", null)]);
        var opening = statement.Openings.Single().ToArray();
        opening[^40] ^= 0x01;

        var result = await _bed.UploadAsync(_patient, Consent, statement with { Openings = [opening] }, _bed.Kfrag(_patient, _doctor, "vitals", 3));

        ShouldBeRefused(result, "grantOpenings");
    }

    private static StatementUpload OnlyOpeningsOf(StatementUpload statement, TestUser grantee) =>
        statement with
        {
            Openings = [.. statement.Openings.Where(o => SeSPHR.Crypto.Grants.GrantOpening.FromBytes(o).Entry.GranteeId == grantee.Id.ToString())],
        };

    private static void ShouldBeRefused(GrantUploadResult result, string titlePart)
    {
        result.Accepted.ShouldBe(0);
        var refusal = result.Refusal.ShouldNotBeNull();
        refusal.Status.ShouldBe(StatusCodes.Status422UnprocessableEntity);
        refusal.Title.ShouldContain(titlePart);
    }
}
