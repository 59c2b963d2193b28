using Hl7.Fhir.Model;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Phr.Sections;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Records;

namespace SeSPHR.SystemTests.InsiderThreat;

/// <summary>
/// The insider's attack and the dump parsing without servers: kfrags and envelopes pulled from
/// dump-shaped text open nothing with keys the insider could have, and do open with the grantee's
/// own key (so the attack is real and the test can fail).
/// </summary>
public sealed class DatabaseOnlyAttackTests : IDisposable
{
    private readonly PhrUser _patient = PhrUser.Create(new(new Uri("http://127.0.0.1:9/"), new Uri("http://127.0.0.1:9/fhir/")), "pat", SrsRoles.Patient, "Patient/pat");
    private readonly UserKeys _doctor = UserKeys.CreateRandom();
    private readonly GrantBook _book = new() { PatientUserId = "pat-user-id", PatientFhirUser = "Patient/pat" };

    public void Dispose()
    {
        _patient.Dispose();
        _doctor.Dispose();
    }

    [Fact]
    public void Given_dumps_with_an_envelope_and_a_kfrag_When_parsed_Then_both_are_found()
    {
        var (sealedPulse, kfragBytes) = SealAndGrant();
        var envelope = Phr.Envelopes.EncryptedSectionExtension.ReadAll((DomainResource)sealedPulse).Single().Envelope;
        var fhirDump = $"COPY fhir.mt_doc (id, data) FROM stdin;\n1\t{{\"valueBase64Binary\": \"{Convert.ToBase64String(envelope)}\"}}\n\\.\n";
        var srsDump = $"COPY srs.reencryption_keys (\"Id\", \"KeyFragBytes\") FROM stdin;\n1\t\\\\x{Convert.ToHexStringLower(kfragBytes)}\n\\.\n";

        DumpMaterial.Envelopes(fhirDump).Single().Bytes.ShouldBe(envelope);
        DumpMaterial.KeyFrags(srsDump).Single().ToBytes().ShouldBe(kfragBytes);
    }

    [Fact]
    public void Given_every_kfrag_and_envelope_When_the_insider_tries_keys_they_could_hold_Then_nothing_opens_but_the_grantee_key_would()
    {
        var (sealedPulse, kfragBytes) = SealAndGrant();
        var kfrags = new[] { KeyFrag.FromBytes(kfragBytes) };
        using var guess = SecretKey.Random();
        Func<PhrSection, uint, PublicKey?> sectionKey = (section, epoch) => _patient.Keys.Sections.PublicKey(section.ToCode(), epoch);

        DatabaseOnlyAttack.Run([sealedPulse], kfrags, [guess], _patient.Keys.SigningPublicKey, sectionKey).ShouldBeEmpty();
        DatabaseOnlyAttack.Run([sealedPulse], kfrags, [_doctor.Decryption], _patient.Keys.SigningPublicKey, sectionKey).Count.ShouldBe(1);
    }

    private (Resource Sealed, byte[] Kfrag) SealAndGrant()
    {
        var sealedPulse = new PatientRecord(_patient, _book).Seal(Sdk.GrantCryptoTests.Pulse("obs-dump"));
        var grantee = new GranteeRecord(
            "grant-dump", "doctor-user-id", "Practitioner/doc", Convert.ToHexStringLower(_doctor.Fingerprint.ToBytes()),
            Convert.ToBase64String(_doctor.DecryptionPublicKey.ToCompressedBytes()), [PhrSection.Vitals], DateTimeOffset.UtcNow, null);
        _book.Grantees.Add(grantee);
        var upload = KeyFragmentIssuer.ForGrantee(grantee, _book, _patient.Keys).Single();
        return (sealedPulse, Convert.FromBase64String(upload.Kfrag!));
    }
}
