using System.Buffers.Binary;
using System.Text;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Grants;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Crypto.Tests.Grants;

public sealed class GrantStatementTests : IDisposable
{
    private readonly GrantTestData _data = new();

    public void Dispose() => _data.Dispose();

    /// <summary>Each entry changes exactly one field of the statement <see cref="GrantTestData.Statement"/> builds.</summary>
    public static TheoryData<string> FieldTampers => new()
    {
        "patient id", "number", "issued at", "section code", "section epoch", "section public key", "section added",
        "section removed", "grantee fingerprint", "grantee id", "grantee removed", "grantee added", "grant actions",
        "grant start", "grant end", "grant end removed", "grant section",
    };

    private GrantStatement Tampered(string field)
    {
        var d = _data;
        var vitals = d.Vitals;
        var medical = d.Medical;
        var doctor = d.Doctor;
        var insurer = d.Insurer;
        var patientId = "patient-0001";
        var number = 5L;
        var issuedAt = GrantTestData.IssuedAt;
        List<SectionKey> extraSections = [];
        List<GranteeGrants> extraGrantees = [];
        var withInsurer = true;
        var withMedical = true;
        switch (field)
        {
            case "patient id": patientId = "patient-0002"; break;
            case "number": number = 6; break;
            case "issued at": issuedAt = issuedAt.AddMilliseconds(1); break;
            case "section code": vitals = vitals with { Section = "vitalz" }; doctor = doctor with { Grants = [doctor.Grants[0] with { Section = "vitalz" }, doctor.Grants[1]] }; break;
            case "section epoch": vitals = vitals with { Epoch = 4 }; break;
            case "section public key": vitals = vitals with { PublicKey = SecretKey.Random().PublicKey }; break;
            case "section added": extraSections.Add(new SectionKey("insurance", 0, SecretKey.Random().PublicKey)); break;
            case "section removed": withMedical = false; break;
            case "grantee fingerprint": doctor = doctor with { Fingerprint = GrantTestData.NewFingerprint() }; break;
            case "grantee id": doctor = doctor with { GranteeId = "practitioner-8" }; break;
            case "grantee removed": withInsurer = false; break;
            case "grantee added": extraGrantees.Add(new GranteeGrants("family-1", GrantTestData.NewFingerprint(), [new SectionGrant("vitals", GrantActions.Read, issuedAt)])); break;
            case "grant actions": doctor = doctor with { Grants = [doctor.Grants[0] with { Actions = GrantActions.Read }, doctor.Grants[1]] }; break;
            case "grant start": doctor = doctor with { Grants = [doctor.Grants[0] with { Start = issuedAt.AddMinutes(-1) }, doctor.Grants[1]] }; break;
            case "grant end": doctor = doctor with { Grants = [doctor.Grants[0], doctor.Grants[1] with { End = issuedAt.AddDays(31) }] }; break;
            case "grant end removed": doctor = doctor with { Grants = [doctor.Grants[0], doctor.Grants[1] with { End = null }] }; break;
            case "grant section": insurer = insurer with { Grants = [insurer.Grants[0] with { Section = "vitals" }] }; break;
            default: throw new ArgumentOutOfRangeException(nameof(field), field, null);
        }

        if (!withMedical)
        {
            doctor = doctor with { Grants = [doctor.Grants[0]] };
            insurer = insurer with { Grants = [insurer.Grants[0] with { Section = "vitals" }] };
        }

        List<SectionKey> sections = [vitals, .. withMedical ? [medical] : Array.Empty<SectionKey>(), .. extraSections];
        List<GranteeGrants> grantees = [doctor, .. withInsurer ? [insurer] : Array.Empty<GranteeGrants>(), .. extraGrantees];
        return new GrantStatement(patientId, number, issuedAt, sections, grantees);
    }

    [Fact]
    public void Given_a_signed_statement_When_verified_with_the_patients_key_Then_its_content_comes_back()
    {
        var signed = _data.Committed().Sign(_data.PatientSigner);

        var statement = SignedGrantStatement.FromBytes(signed.ToBytes()).Verify(_data.PatientKey.PublicKey);

        statement.PatientId.ShouldBe("patient-0001");
        statement.Number.ShouldBe(5);
        statement.IssuedAt.ShouldBe(GrantTestData.IssuedAt);
        statement.FindSection("vitals")!.Epoch.ShouldBe(3u);
        statement.FindSection("vitals")!.PublicKey.ShouldBe(_data.Vitals.PublicKey);
        statement.Width.ShouldBe(16u);
        statement.Open(_data.Committed().OpeningFor(_data.Doctor.Fingerprint, "vitals")!).GranteeId.ShouldBe("practitioner-7");
        statement.ToCanonicalBytes().ShouldBe(_data.Header().ToCanonicalBytes());
    }

    [Theory]
    [MemberData(nameof(FieldTampers))]
    public void Given_a_signature_When_any_single_field_of_the_statement_is_changed_Then_verification_fails(string field)
    {
        var original = _data.Header();
        var signature = original.Sign(_data.PatientSigner).Signature;
        var tampered = Tampered(field).Commit(GrantTestData.SaltKey).Header;
        tampered.ToCanonicalBytes().ShouldNotBe(original.ToCanonicalBytes());

        var forged = SignedGrantStatement.FromParts(tampered.ToCanonicalBytes(), signature);

        Should.Throw<GrantStatementSignatureException>(() => forged.Verify(_data.PatientKey.PublicKey));
    }

    [Fact]
    public void Given_a_signed_statement_When_any_bit_of_its_wire_form_is_flipped_Then_it_is_refused()
    {
        var wire = _data.Header().Sign(_data.PatientSigner).ToBytes();

        for (var bit = 0; bit < wire.Length * 8; bit++)
        {
            var tampered = (byte[])wire.Clone();
            tampered[bit / 8] ^= (byte)(1 << (bit % 8));

            Should.Throw<GrantStatementException>(() => SignedGrantStatement.FromBytes(tampered).Verify(_data.PatientKey.PublicKey), $"bit {bit}");
        }
    }

    [Fact]
    public void Given_a_statement_signed_by_someone_else_When_verified_with_the_patients_key_Then_it_fails()
    {
        using var mallory = SecretKey.Random();

        var forged = _data.Header().Sign(new Signer(mallory));

        Should.Throw<GrantStatementSignatureException>(() => forged.Verify(_data.PatientKey.PublicKey));
        forged.Verify(mallory.PublicKey).Number.ShouldBe(5);
    }

    [Theory]
    [InlineData("")]
    [InlineData("SeSPHR/envelope/v1")]
    [InlineData("SeSPHR/envelope-signature/v1")]
    [InlineData("SeSPHR/kfrag/v1")]
    [InlineData("SeSPHR/grant-statement/v1")]
    public void Given_the_patients_signature_over_the_same_bytes_for_another_purpose_When_verified_as_a_grant_statement_Then_it_fails(string otherTag)
    {
        var bytes = _data.Header().ToCanonicalBytes();
        var tag = Encoding.ASCII.GetBytes(otherTag);
        var framed = new byte[4 + tag.Length + bytes.Length];
        BinaryPrimitives.WriteUInt32BigEndian(framed, (uint)tag.Length);
        tag.CopyTo(framed, 4);
        bytes.CopyTo(framed, 4 + tag.Length);

        var untagged = SignedGrantStatement.FromParts(bytes, _data.PatientSigner.Sign(bytes));
        var otherDomain = SignedGrantStatement.FromParts(bytes, _data.PatientSigner.Sign(framed));
        var unframed = SignedGrantStatement.FromParts(bytes, _data.PatientSigner.Sign([.. tag, .. bytes]));

        Should.Throw<GrantStatementSignatureException>(() => untagged.Verify(_data.PatientKey.PublicKey));
        Should.Throw<GrantStatementSignatureException>(() => otherDomain.Verify(_data.PatientKey.PublicKey));
        Should.Throw<GrantStatementSignatureException>(() => unframed.Verify(_data.PatientKey.PublicKey));
    }

    [Fact]
    public void Given_the_patients_key_signs_an_envelope_style_message_over_the_statement_bytes_When_verified_as_a_grant_statement_Then_it_fails()
    {
        // The envelope's own framing: u32be-length-prefixed domain tag, then the signed fields.
        var bytes = _data.Header().ToCanonicalBytes();
        var tag = SectionEnvelope.SignatureDomain.ToArray();
        byte[] envelopeStyle = [0, 0, 0, (byte)tag.Length, .. tag, .. bytes];

        var signed = SignedGrantStatement.FromParts(bytes, _data.PatientSigner.Sign(envelopeStyle));

        Should.Throw<GrantStatementSignatureException>(() => signed.Verify(_data.PatientKey.PublicKey));
        Encoding.ASCII.GetString(tag).ShouldNotBe(GrantStatement.SignatureDomainTag);
    }

    [Fact]
    public void Given_the_same_content_in_another_order_When_encoded_Then_the_canonical_bytes_are_identical()
    {
        var d = _data;
        var doctorReordered = d.Doctor with { Grants = [.. d.Doctor.Grants.Reverse()] };

        var reordered = new GrantStatement("patient-0001", 5, GrantTestData.IssuedAt, [d.Medical, d.Vitals], [d.Insurer, doctorReordered]);

        reordered.Commit(GrantTestData.SaltKey).Header.ToCanonicalBytes().ShouldBe(d.Header().ToCanonicalBytes());
        reordered.Sections.Select(s => s.Section).ShouldBe(["medical", "vitals"]);
    }

    [Fact]
    public void Given_canonical_bytes_When_parsed_and_encoded_again_Then_they_are_unchanged()
    {
        var bytes = _data.Header().ToCanonicalBytes();

        GrantStatementHeader.FromCanonicalBytes(bytes).ToCanonicalBytes().ShouldBe(bytes);
    }

    [Fact]
    public void Given_sections_written_out_of_order_When_parsed_Then_the_non_canonical_bytes_are_refused()
    {
        var a = new SectionKey("aaa", 1, SecretKey.Random().PublicKey);
        var b = new SectionKey("bbb", 1, SecretKey.Random().PublicKey);
        var bytes = new GrantStatement("p", 1, GrantTestData.IssuedAt, [a, b], []).Commit(GrantTestData.SaltKey).Header.ToCanonicalBytes();
        const int entry = 4 + 3 + 4 + 33;
        var firstEntry = 4 + 1 + 4 + 1 + 8 + 8 + 4;
        var swapped = (byte[])bytes.Clone();
        bytes.AsSpan(firstEntry, entry).CopyTo(swapped.AsSpan(firstEntry + entry));
        bytes.AsSpan(firstEntry + entry, entry).CopyTo(swapped.AsSpan(firstEntry));

        Should.Throw<GrantStatementFormatException>(() => GrantStatementHeader.FromCanonicalBytes(swapped)).Message.ShouldContain("canonical");
    }

    [Fact]
    public void Given_wrong_magic_version_trailing_or_missing_bytes_When_parsed_Then_a_format_error_is_raised()
    {
        var bytes = _data.Header().ToCanonicalBytes();
        var version1 = (byte[])bytes.Clone();
        version1[4] = 1;
        var width = (byte[])bytes.Clone();
        width[^33] ^= 0x01;

        Should.Throw<GrantStatementFormatException>(() => GrantStatementHeader.FromCanonicalBytes([(byte)'X', .. bytes[1..]]));
        Should.Throw<GrantStatementFormatException>(() => GrantStatementHeader.FromCanonicalBytes(version1)).Message.ShouldContain("version");
        Should.Throw<GrantStatementFormatException>(() => GrantStatementHeader.FromCanonicalBytes(width)).Message.ShouldContain("width");
        Should.Throw<GrantStatementFormatException>(() => GrantStatementHeader.FromCanonicalBytes([.. bytes, 0]));
        Should.Throw<GrantStatementFormatException>(() => GrantStatementHeader.FromCanonicalBytes(bytes.AsSpan(..^1)));
        Should.Throw<GrantStatementFormatException>(() => GrantStatementHeader.FromCanonicalBytes([]));
        Should.Throw<GrantStatementFormatException>(() => SignedGrantStatement.FromBytes([0, 0, 0]));
    }

    [Fact]
    public void Given_times_with_sub_millisecond_precision_When_building_Then_they_are_kept_to_the_millisecond_in_utc()
    {
        var local = new DateTimeOffset(2025, 11, 25, 16, 0, 0, TimeSpan.FromHours(1)).AddTicks(12_345);

        var statement = new GrantStatement("p", 1, local, [_data.Vitals], []);

        statement.IssuedAt.ShouldBe(GrantTestData.IssuedAt.AddMilliseconds(1));
        statement.IssuedAt.Offset.ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public void Given_a_statement_When_asking_what_a_grantee_may_do_Then_section_action_and_period_all_count()
    {
        var statement = _data.Statement();
        var doctor = _data.Doctor.Fingerprint;
        var at = GrantTestData.IssuedAt.AddDays(1);

        statement.Allows(doctor, "vitals", GrantActions.Write, at).ShouldBeTrue();
        statement.Allows(doctor, "medical", GrantActions.Read, at).ShouldBeTrue();
        statement.Allows(doctor, "medical", GrantActions.Write, at).ShouldBeFalse();
        statement.Allows(doctor, "medical", GrantActions.Read, GrantTestData.IssuedAt.AddDays(30)).ShouldBeFalse();
        statement.Allows(doctor, "vitals", GrantActions.Read, GrantTestData.IssuedAt.AddSeconds(-1)).ShouldBeFalse();
        statement.Allows(_data.Insurer.Fingerprint, "vitals", GrantActions.Read, at).ShouldBeFalse();
        statement.Allows(GrantTestData.NewFingerprint(), "vitals", GrantActions.Read, at).ShouldBeFalse();
        statement.Allows(doctor, "vitals", GrantActions.None, at).ShouldBeFalse();
    }

    public static TheoryData<string> InvalidStatements => new()
    {
        "number zero", "duplicate section", "grant for an unlisted section", "period ends at its start", "no actions",
        "unknown action bit", "grantee without grants", "duplicate fingerprint", "duplicate grantee id",
        "two grants for one section", "bad section code", "section code longer than 32", "empty patient id",
    };

    [Theory]
    [MemberData(nameof(InvalidStatements))]
    public void Given_an_invalid_statement_When_building_it_Then_it_is_refused(string problem)
    {
        var d = _data;
        var t = GrantTestData.IssuedAt;
        var fp = GrantTestData.NewFingerprint();
        Func<GrantStatement> build = problem switch
        {
            "number zero" => () => new GrantStatement("p", 0, t, [d.Vitals], []),
            "duplicate section" => () => new GrantStatement("p", 1, t, [d.Vitals, d.Vitals with { Epoch = 9 }], []),
            "grant for an unlisted section" => () => new GrantStatement("p", 1, t, [d.Vitals], [new GranteeGrants("g", fp, [new SectionGrant("medical", GrantActions.Read, t)])]),
            "period ends at its start" => () => new GrantStatement("p", 1, t, [d.Vitals], [new GranteeGrants("g", fp, [new SectionGrant("vitals", GrantActions.Read, t, t)])]),
            "no actions" => () => new GrantStatement("p", 1, t, [d.Vitals], [new GranteeGrants("g", fp, [new SectionGrant("vitals", GrantActions.None, t)])]),
            "unknown action bit" => () => new GrantStatement("p", 1, t, [d.Vitals], [new GranteeGrants("g", fp, [new SectionGrant("vitals", (GrantActions)4, t)])]),
            "grantee without grants" => () => new GrantStatement("p", 1, t, [d.Vitals], [new GranteeGrants("g", fp, [])]),
            "duplicate fingerprint" => () => new GrantStatement("p", 1, t, [d.Vitals], [new GranteeGrants("g", fp, [new SectionGrant("vitals", GrantActions.Read, t)]), new GranteeGrants("h", fp, [new SectionGrant("vitals", GrantActions.Read, t)])]),
            "duplicate grantee id" => () => new GrantStatement("p", 1, t, [d.Vitals], [new GranteeGrants("g", fp, [new SectionGrant("vitals", GrantActions.Read, t)]), new GranteeGrants("g", GrantTestData.NewFingerprint(), [new SectionGrant("vitals", GrantActions.Read, t)])]),
            "two grants for one section" => () => new GrantStatement("p", 1, t, [d.Vitals], [new GranteeGrants("g", fp, [new SectionGrant("vitals", GrantActions.Read, t), new SectionGrant("vitals", GrantActions.Write, t)])]),
            "bad section code" => () => new GrantStatement("p", 1, t, [d.Vitals with { Section = "Vitals/../x" }], []),
            "empty patient id" => () => new GrantStatement("", 1, t, [d.Vitals], []),
            "section code longer than 32" => () => new GrantStatement("p", 1, t, [d.Vitals with { Section = new string('v', 33) }], []),
            _ => throw new ArgumentOutOfRangeException(nameof(problem), problem, null),
        };

        Should.Throw<ArgumentException>(build);
    }
}
