using Hl7.Fhir.Model;
using SeSPHR.Crypto.Grants;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;
using SectionKey = SeSPHR.Phr.Envelopes.SectionKey;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Reading;

namespace SeSPHR.SystemTests.Sdk;

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
        var consent = ConsentDocument.Build(_book, grantee, GrantStatements.Issue(_book, _patient), (s, e) => _patient.Sections.PublicKey(s.ToCode(), e));

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

        var trust = new PatientTrust("Patient/pat", new GrantStatementVerifier("pat-user-id", _patient.SigningPublicKey), _doctor);
        trust.Learn(consent);
        trust.Allows("vitals", GrantActions.Write, DateTimeOffset.UtcNow).ShouldBeTrue();
        trust.Allows("vitals", GrantActions.Read, DateTimeOffset.UtcNow).ShouldBeFalse();
        trust.Allows("medical", GrantActions.Read, DateTimeOffset.UtcNow).ShouldBeTrue();
        trust.Allows("medical", GrantActions.Write, DateTimeOffset.UtcNow).ShouldBeFalse();
    }

    [Fact]
    public void Given_a_write_only_grant_Then_no_kfrag_is_made_and_the_Consent_has_only_the_write_provision()
    {
        var grantee = Grant([], [PhrSection.Vitals]);
        KeyFragmentIssuer.ForGrantee(grantee, _book, _patient).ShouldBeEmpty();
        var consent = ConsentDocument.Build(_book, grantee, GrantStatements.Issue(_book, _patient), (s, e) => _patient.Sections.PublicKey(s.ToCode(), e));
        consent.Provision!.Provision.Single().Action.Select(a => a.Coding.Single().Code).ShouldBe(["collect", "correct"]);
    }

    [Fact]
    public void Given_envelopes_of_the_patient_a_named_writer_and_a_stranger_Then_the_reader_accepts_only_the_first_two()
    {
        Grant([PhrSection.Medical], [PhrSection.Vitals]);
        var statement = GrantStatements.Issue(_book, _patient);
        using var stranger = UserKeys.CreateRandom();
        SectionKey KeyFor(PhrSection section) => new(1, _patient.Sections.PublicKey(section.ToCode(), 1));
        var pulse = GrantCryptoTests.Pulse("p-1");
        GrantEntryProof ProofOf(string section) =>
            new(statement.SignedHeader, statement.Committed.OpeningFor(_doctor.Fingerprint, section)!);

        bool Accepts(UserKeys writer, GrantEntryProof? proof, PhrSection section = PhrSection.Vitals)
        {
            var sealedResource = (DomainResource)SectionSealer.Seal((Resource)pulse.DeepCopy(), KeyFor, writer.Signer, writer.DecryptionPublicKey);
            var envelope = EncryptedSectionExtension.FromExtension(sealedResource.Extension.Single());
            sealedResource.Extension[0] = (envelope with { WriteGrant = proof?.ToBytes() }).ToExtension();
            return StatementWriters.For(sealedResource, _patient.SigningPublicKey)(section, writer.SigningPublicKey);
        }

        Accepts(_patient, null).ShouldBeTrue();
        Accepts(_doctor, ProofOf("vitals")).ShouldBeTrue();
        Accepts(_doctor, ProofOf("vitals"), PhrSection.Medical).ShouldBeFalse();
        Accepts(_doctor, null).ShouldBeFalse();
        // The doctor's read-only entry in medical is no write grant, and not for this section.
        Accepts(_doctor, ProofOf("medical")).ShouldBeFalse();
        // Another writer's proof does not make a stranger a writer.
        Accepts(stranger, ProofOf("vitals")).ShouldBeFalse();
    }

    [Fact]
    public void Given_a_write_proof_signed_for_another_epoch_When_the_envelope_is_checked_Then_the_writer_is_refused()
    {
        Grant([], [PhrSection.Vitals]);
        _book.Epochs[PhrSection.Vitals] = 2;
        var statement = GrantStatements.Issue(_book, _patient);
        SectionKey KeyFor(PhrSection section) => new(1, _patient.Sections.PublicKey(section.ToCode(), 1));
        var sealedResource = (DomainResource)SectionSealer.Seal(GrantCryptoTests.Pulse("p-2"), KeyFor, _doctor.Signer, _doctor.DecryptionPublicKey);
        var envelope = EncryptedSectionExtension.FromExtension(sealedResource.Extension.Single());
        var proof = new GrantEntryProof(statement.SignedHeader, statement.Committed.OpeningFor(_doctor.Fingerprint, "vitals")!);
        sealedResource.Extension[0] = (envelope with { WriteGrant = proof.ToBytes() }).ToExtension();

        StatementWriters.For(sealedResource, _patient.SigningPublicKey)(PhrSection.Vitals, _doctor.SigningPublicKey).ShouldBeFalse();
    }
}
