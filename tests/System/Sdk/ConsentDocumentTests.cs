using Hl7.Fhir.Model;
using SeSPHR.Phr.Sections;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Reading;

namespace SeSPHR.SystemTests.Sdk;

public sealed class ConsentDocumentTests : IDisposable
{
    private readonly UserKeys _patient = UserKeys.CreateRandom();
    private readonly UserKeys _doctor = UserKeys.CreateRandom();
    private readonly GrantBook _book = new() { PatientUserId = "pat-user-id", PatientFhirUser = "Patient/pat" };

    public void Dispose()
    {
        _patient.Dispose();
        _doctor.Dispose();
    }

    [Fact]
    public void Given_a_grant_When_its_Consent_is_built_Then_it_has_the_evaluators_codings_and_the_approved_key()
    {
        var grantee = Grantee(PhrSection.Vitals, PhrSection.Medical);

        var consent = Build(grantee);

        consent.Status.ShouldBe(Consent.ConsentState.Active);
        consent.Scope!.Coding.Single().Code.ShouldBe("patient-privacy");
        consent.Patient!.Reference.ShouldBe("Patient/pat");
        consent.Provision!.Type.ShouldBe(Consent.ConsentProvisionType.Permit);
        var actor = consent.Provision!.Actor.Single();
        actor.Reference!.Reference.ShouldBe("Practitioner/doc");
        actor.Role!.Coding.Single().Code.ShouldBe("IRCP");
        actor.GetExtensionValue<FhirString>(ConsentDocument.ApprovedKeyFingerprintUrl).Value
            .ShouldBe(Convert.ToHexStringLower(_doctor.Fingerprint.ToBytes()));
        consent.Provision.Action.Single().Coding.Single().Code.ShouldBe("access");
        consent.Provision.SecurityLabel.Select(c => (c.System, c.Code)).ShouldBe(
            [(ConsentDocument.SectionSystem, "vitals"), (ConsentDocument.SectionSystem, "medical")], ignoreOrder: true);
        consent.Provision!.Period!.Start.ShouldBe(ConsentDocument.FhirInstant(grantee.Start));
        consent.Provision!.Period!.End.ShouldBeNull();
    }

    [Fact]
    public void Given_a_Consent_When_its_grant_statement_is_read_back_Then_it_verifies_under_the_patients_key_only()
    {
        var grantee = Grantee(PhrSection.Vitals);
        var consent = Build(grantee);

        var statement = ConsentDocument.ReadGrantStatement(consent)!.Verify(_patient.SigningPublicKey);
        var trust = new PatientTrust("Patient/pat", new Crypto.Grants.GrantStatementVerifier("pat-user-id", _patient.SigningPublicKey), _doctor);
        trust.Learn(consent);

        statement.Number.ShouldBe(1);
        statement.PatientId.ShouldBe("pat-user-id");
        trust.Allows("vitals", Crypto.Grants.GrantActions.Read, DateTimeOffset.UtcNow).ShouldBeTrue();
        trust.Allows("medical", Crypto.Grants.GrantActions.Read, DateTimeOffset.UtcNow).ShouldBeFalse();
        statement.FindSection("vitals")!.PublicKey.ShouldBe(_patient.Sections.PublicKey("vitals", 1));
        Should.Throw<Crypto.Grants.GrantStatementSignatureException>(() => ConsentDocument.ReadGrantStatement(consent)!.Verify(_doctor.SigningPublicKey));
    }

    [Fact]
    public void Given_a_section_at_its_third_epoch_When_the_Consent_is_built_Then_it_names_the_keys_of_all_three_epochs()
    {
        _book.Epochs[PhrSection.Vitals] = 3;
        var consent = Build(Grantee(PhrSection.Vitals));

        ConsentDocument.ReadSectionKeys(consent).ShouldBe(
        [
            (PhrSection.Vitals, 1u, _patient.Sections.PublicKey("vitals", 1)),
            (PhrSection.Vitals, 2u, _patient.Sections.PublicKey("vitals", 2)),
            (PhrSection.Vitals, 3u, _patient.Sections.PublicKey("vitals", 3)),
        ]);
    }

    [Fact]
    public void Given_a_statement_with_a_fixed_number_and_time_When_rebuilt_Then_its_bytes_are_the_same()
    {
        Grantee(PhrSection.Vitals);

        GrantStatements.Issue(_book, _patient).SignedHeader.StatementBytes().ShouldBe(GrantStatements.Issue(_book, _patient).SignedHeader.StatementBytes());
    }

    [Fact]
    public void Given_two_grantees_When_the_Consent_of_one_is_built_Then_it_carries_only_that_grantees_openings()
    {
        using var insurer = UserKeys.CreateRandom();
        Grantee(PhrSection.Medical);
        var insurerGrant = new GranteeRecord("grant-2", "insurer-user-id", "Organization/ins", Convert.ToHexStringLower(insurer.Fingerprint.ToBytes()),
            Convert.ToBase64String(insurer.DecryptionPublicKey.ToCompressedBytes()), [PhrSection.Insurance], DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()), null);
        _book.Grantees.Add(insurerGrant);
        _book.AdvanceStatement(DateTimeOffset.UtcNow);

        var consent = Build(insurerGrant);

        ConsentDocument.ReadOpenings(consent, insurer.Decryption).Select(o => (o.Entry.GranteeId, o.Entry.Section)).ShouldBe([("insurer-user-id", "insurance")]);
    }

    private GranteeRecord Grantee(params PhrSection[] sections)
    {
        var grantee = new GranteeRecord(
            "grant-1",
            "doctor-user-id",
            "Practitioner/doc",
            Convert.ToHexStringLower(_doctor.Fingerprint.ToBytes()),
            Convert.ToBase64String(_doctor.DecryptionPublicKey.ToCompressedBytes()),
            sections,
            DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
            null);
        _book.Grantees.Add(grantee);
        _book.AdvanceStatement(DateTimeOffset.UtcNow);
        return grantee;
    }

    private Consent Build(GranteeRecord grantee) =>
        ConsentDocument.Build(_book, grantee, GrantStatements.Issue(_book, _patient), (s, e) => _patient.Sections.PublicKey(s.ToCode(), e));
}
