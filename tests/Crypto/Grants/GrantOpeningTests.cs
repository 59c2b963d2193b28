using System.Text;
using SeSPHR.Crypto.Grants;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Crypto.Tests.Grants;

/// <summary>
/// A grantee proves its own entry against the signed root and learns nothing else: every opening
/// leads to the root; an altered entry, a wrong salt, another statement's opening or someone else's
/// entry passed off as one's own is refused; and an opening holds no trace of the other grantees.
/// </summary>
public sealed class GrantOpeningTests : IDisposable
{
    private readonly GrantTestData _data = new();

    public void Dispose() => _data.Dispose();

    private GrantOpening DoctorVitals => _data.Committed().OpeningFor(_data.Doctor.Fingerprint, "vitals")!;

    [Fact]
    public void Given_a_committed_statement_When_each_grantee_opens_its_entries_Then_each_comes_back_and_only_its_own()
    {
        var committed = _data.Committed();

        foreach (var grantee in new[] { _data.Doctor, _data.Insurer })
        {
            var openings = committed.OpeningsFor(grantee.Fingerprint);
            openings.Select(o => committed.Header.Open(GrantOpening.FromBytes(o.ToBytes())))
                .ShouldBe(grantee.Grants.Select(g => new GrantEntry(grantee.Fingerprint, grantee.GranteeId, g)), ignoreOrder: true);
        }

        committed.OpeningsFor(GrantTestData.NewFingerprint()).ShouldBeEmpty();
    }

    [Fact]
    public void Given_the_insurers_opening_and_the_signed_header_Then_neither_holds_the_doctors_id_fingerprint_or_sections()
    {
        var committed = _data.Committed();
        var seen = committed.OpeningsFor(_data.Insurer.Fingerprint).SelectMany(o => o.ToBytes())
            .Concat(committed.Sign(_data.PatientSigner).ToBytes()).ToArray();

        seen.AsSpan().IndexOf(Encoding.UTF8.GetBytes(_data.Doctor.GranteeId)).ShouldBe(-1);
        seen.AsSpan().IndexOf(_data.Doctor.Fingerprint.ToBytes()).ShouldBe(-1);
        committed.OpeningsFor(_data.Insurer.Fingerprint).ShouldAllBe(o => o.Entry.Section == "medical");
    }

    public static TheoryData<string> EntryTampers => new() { "grantee id", "section", "actions", "start", "end", "fingerprint" };

    [Theory]
    [MemberData(nameof(EntryTampers))]
    public void Given_an_opening_whose_entry_is_altered_When_opened_Then_it_is_refused(string field)
    {
        var opening = DoctorVitals;
        var entry = opening.Entry;
        var altered = field switch
        {
            "grantee id" => entry with { GranteeId = "practitioner-8" },
            "section" => entry with { Grant = entry.Grant with { Section = "medical" } },
            "actions" => entry with { Grant = entry.Grant with { Actions = GrantActions.Read } },
            "start" => entry with { Grant = entry.Grant with { Start = entry.Grant.Start.AddMilliseconds(-1) } },
            "end" => entry with { Grant = entry.Grant with { End = entry.Grant.Start.AddDays(1) } },
            "fingerprint" => entry with { Fingerprint = _data.Insurer.Fingerprint },
            _ => throw new ArgumentOutOfRangeException(nameof(field), field, null),
        };

        var forged = new GrantOpening(altered, opening.Salt, opening.Index, opening.Path.ToList().AsReadOnly());

        Should.Throw<GrantOpeningException>(() => _data.Header().Open(GrantOpening.FromBytes(forged.ToBytes())));
    }

    [Fact]
    public void Given_an_opening_with_a_wrong_salt_index_or_sibling_When_opened_Then_it_is_refused()
    {
        var opening = DoctorVitals;
        var wrongSalt = (byte[])opening.Salt.Clone();
        wrongSalt[0] ^= 0x80;
        var wrongSibling = opening.Path.Select(p => (byte[])p.Clone()).ToList();
        wrongSibling[^1][31] ^= 0x01;

        Should.Throw<GrantOpeningException>(() => _data.Header().Open(new GrantOpening(opening.Entry, wrongSalt, opening.Index, opening.Path.ToList().AsReadOnly())));
        Should.Throw<GrantOpeningException>(() => _data.Header().Open(new GrantOpening(opening.Entry, opening.Salt, opening.Index ^ 1, opening.Path.ToList().AsReadOnly())));
        Should.Throw<GrantOpeningException>(() => _data.Header().Open(new GrantOpening(opening.Entry, opening.Salt, opening.Index, wrongSibling.AsReadOnly())));
        Should.Throw<GrantOpeningException>(() => _data.Header().Open(new GrantOpening(opening.Entry, opening.Salt, opening.Index, opening.Path.Take(3).ToList().AsReadOnly())));
    }

    [Fact]
    public void Given_an_opening_of_another_statement_When_opened_against_this_one_Then_it_is_refused()
    {
        var older = _data.Committed(number: 4).OpeningFor(_data.Doctor.Fingerprint, "vitals")!;

        Should.Throw<GrantOpeningException>(() => _data.Header(number: 5).Open(older));
        Should.Throw<GrantOpeningException>(() => _data.Statement().Commit(new byte[GrantStatement.SaltKeySize]).Header.Open(DoctorVitals));
    }

    [Fact]
    public void Given_another_grantees_valid_opening_When_opened_Then_it_shows_that_grantees_fingerprint_not_the_holders()
    {
        // An opening proves an entry, not who holds it: every consumer compares the entry's
        // fingerprint with the keys it deals with (the SRS with the kfrag's grantee, a reader with the writer).
        _data.Header().Open(DoctorVitals).Fingerprint.ShouldNotBe(_data.Insurer.Fingerprint);
    }

    [Fact]
    public void Given_a_proof_of_a_write_grant_When_verified_Then_it_gives_header_and_entry_and_refuses_a_forged_signature()
    {
        var committed = _data.Committed();
        var proof = new GrantEntryProof(committed.Sign(_data.PatientSigner), DoctorVitals);

        var (header, entry) = GrantEntryProof.FromBytes(proof.ToBytes()).Verify(_data.PatientKey.PublicKey);

        header.Number.ShouldBe(5);
        entry.Allows(_data.Doctor.Fingerprint, "vitals", GrantActions.Write, GrantTestData.IssuedAt).ShouldBeTrue();
        using var mallory = SecretKey.Random();
        var forged = new GrantEntryProof(committed.Sign(new Signer(mallory)), DoctorVitals);
        Should.Throw<GrantStatementSignatureException>(() => forged.Verify(_data.PatientKey.PublicKey));
    }

    [Theory]
    [InlineData(0, 16)]
    [InlineData(3, 16)]
    [InlineData(16, 16)]
    [InlineData(17, 32)]
    [InlineData(40, 64)]
    public void Given_a_number_of_entries_When_committed_Then_the_tree_is_padded_to_a_power_of_two_of_at_least_16(int entries, uint width)
    {
        var grantees = Enumerable.Range(0, entries).Select(i => new GranteeGrants(
            $"g-{i}", GrantTestData.NewFingerprint(), [new SectionGrant("vitals", GrantActions.Read, GrantTestData.IssuedAt)]));

        var committed = new GrantStatement("p", 1, GrantTestData.IssuedAt, [_data.Vitals], grantees).Commit(GrantTestData.SaltKey);

        committed.Header.Width.ShouldBe(width);
    }

    [Fact]
    public void Given_opening_bytes_that_are_not_canonical_When_parsed_Then_a_format_error_is_raised()
    {
        var bytes = DoctorVitals.ToBytes();

        Should.Throw<GrantStatementFormatException>(() => GrantOpening.FromBytes([.. bytes, 0]));
        Should.Throw<GrantStatementFormatException>(() => GrantOpening.FromBytes(bytes.AsSpan(..^1)));
        Should.Throw<GrantStatementFormatException>(() => GrantOpening.FromBytes([(byte)'X', .. bytes[1..]]));
        Should.Throw<GrantStatementFormatException>(() => GrantOpening.FromBytes([]));
    }
}
