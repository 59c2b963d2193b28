using Hl7.Fhir.Model;
using SeSPHR.Crypto.Grants;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;
using SectionKey = SeSPHR.Phr.Envelopes.SectionKey;
using SeSPHR.SystemTests.Driver.Accounts;
using SeSPHR.SystemTests.Driver.Grants;
using SeSPHR.SystemTests.Driver.Reading;

namespace SeSPHR.SystemTests.DriverTests;

/// <summary>The write half of a grant, as the patient's client writes it and a reader checks it (no servers).</summary>
public sealed class WriteGrantsTests : IDisposable
{
    private readonly UserKeys _patient = UserKeys.CreateRandom();
    private readonly UserKeys _doctor = UserKeys.CreateRandom();
    private readonly GrantBook _book = new() { PatientUserId = "pat-user-id", PatientFhirUser = "Patient/pat" };

    public void Dispose()
    {
        _patient.Dispose();
        _doctor.Dispose();
    }

    private GranteeRecord Grant(PhrSection[] reads, PhrSection[] writes)
    {
        var grantee = new GranteeRecord(
            "grant-w", "doctor-user-id", "Practitioner/doc", Convert.ToHexStringLower(_doctor.Fingerprint.ToBytes()),
            Convert.ToBase64String(_doctor.DecryptionPublicKey.ToCompressedBytes()), reads,
            DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()), null)
        {
            WriteSections = writes,
        };
        _book.Grantees.Add(grantee);
        _book.AdvanceStatement(DateTimeOffset.UtcNow);
        return grantee;
    }

    [Fact]
    public void Given_read_medical_and_write_vitals_When_the_Consent_is_built_Then_the_root_names_the_grantee_and_two_provisions_split_access_from_collect_correct()
    {
        var grantee = Grant([PhrSection.Medical], [PhrSection.Vitals]);
        var consent = ConsentDocument.Build(_book, grantee, GrantStatements.BuildSigned(_book, _patient), (s, e) => _patient.Sections.PublicKey(s.ToCode(), e));

        consent.Provision!.Type.ShouldBeNull();
        consent.Provision.Actor.Single().Reference!.Reference.ShouldBe("Practitioner/doc");
        var (read, write) = (consent.Provision.Provision[0], consent.Provision.Provision[1]);
        consent.Provision.Provision.Count.ShouldBe(2);
        read.Action.Single().Coding.Single().Code.ShouldBe("access");
        read.SecurityLabel.Single().Code.ShouldBe("medical");
        write.Type.ShouldBe(Consent.ConsentProvisionType.Permit);
        write.Action.Select(a => a.Coding.Single().Code).ShouldBe(["collect", "correct"]);
        write.SecurityLabel.Single().Code.ShouldBe("vitals");
        write.Actor.Single().Reference!.Reference.ShouldBe("Practitioner/doc");

        var statement = ConsentDocument.ReadGrantStatement(consent)!.Verify(_patient.SigningPublicKey);
        statement.Allows(_doctor.Fingerprint, "vitals", GrantActions.Write, DateTimeOffset.UtcNow).ShouldBeTrue();
        statement.Allows(_doctor.Fingerprint, "vitals", GrantActions.Read, DateTimeOffset.UtcNow).ShouldBeFalse();
        statement.Allows(_doctor.Fingerprint, "medical", GrantActions.Read, DateTimeOffset.UtcNow).ShouldBeTrue();
        statement.Allows(_doctor.Fingerprint, "medical", GrantActions.Write, DateTimeOffset.UtcNow).ShouldBeFalse();
    }

    [Fact]
    public void Given_a_write_only_grant_Then_no_kfrag_is_made_and_the_Consent_has_only_the_write_provision()
    {
        var grantee = Grant([], [PhrSection.Vitals]);
        KeyFragmentIssuer.ForGrantee(grantee, _book, _patient).ShouldBeEmpty();
        var consent = ConsentDocument.Build(_book, grantee, GrantStatements.BuildSigned(_book, _patient), (s, e) => _patient.Sections.PublicKey(s.ToCode(), e));
        consent.Provision!.Provision.Single().Action.Select(a => a.Coding.Single().Code).ShouldBe(["collect", "correct"]);
    }

    [Fact]
    public void Given_envelopes_of_the_patient_a_named_writer_and_a_stranger_Then_the_reader_accepts_only_the_first_two()
    {
        Grant([], [PhrSection.Vitals]);
        var statement = GrantStatements.Build(_book, _patient);
        using var stranger = UserKeys.CreateRandom();
        SectionKey KeyFor(PhrSection section) => new(1, _patient.Sections.PublicKey(section.ToCode(), 1));
        var pulse = GrantCryptoTests.Pulse("p-1");

        bool Accepts(UserKeys writer, PhrSection section = PhrSection.Vitals)
        {
            var sealedResource = SectionSealer.Seal((Resource)pulse.DeepCopy(), KeyFor, writer.Signer, writer.DecryptionPublicKey);
            return StatementWriters.For(sealedResource, _patient.SigningPublicKey, statement)(section, writer.SigningPublicKey);
        }

        Accepts(_patient).ShouldBeTrue();
        Accepts(_doctor).ShouldBeTrue();
        Accepts(_doctor, PhrSection.Medical).ShouldBeFalse();
        Accepts(stranger).ShouldBeFalse();
        StatementWriters.For(pulse, _patient.SigningPublicKey, null)(PhrSection.Vitals, _doctor.SigningPublicKey).ShouldBeFalse();
    }
}
