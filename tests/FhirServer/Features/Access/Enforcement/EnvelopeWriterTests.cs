using System.Net;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Umbral;
using SeSPHR.FhirServer.Features.Access.Consents;
using SeSPHR.FhirServer.Tests.Features.Access.Consents;
using SeSPHR.FhirServer.Tests.Infrastructure;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;

namespace SeSPHR.FhirServer.Tests.Features.Access.Enforcement;

/// <summary>
/// The writer of every new envelope is the caller (its key fingerprint is the token's
/// <c>sesphr_key</c>), and a grantee brings envelopes only of sections it may write; envelopes carried
/// over unchanged are exempt. The doctor writes medical; the pharmacist writes vitals only.
/// </summary>
public sealed class EnvelopeWriterTests : IClassFixture<PharmacistWritesVitalsData>, IDisposable
{
    private readonly PharmacistWritesVitalsData _data;

    public EnvelopeWriterTests(PharmacistWritesVitalsData data)
    {
        _data = data;
        _data.ResetFakes();
    }

    public void Dispose() => _data.ResetFakes();

    private static Condition Diagnosis(string id) =>
        new() { Id = id, Subject = new ResourceReference(AccessData.Pat), Code = new CodeableConcept("http://snomed.info/sct", "44054006") };

    private async Task<(HttpStatusCode Status, string Body)> PutAsync(TestUser caller, Resource sealedResource)
    {
        using var client = _data.As(caller);
        var response = await _data.TryPutAsync(client, sealedResource);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<HttpStatusCode> AliceReadsAsync(string key)
    {
        using var alice = _data.As(AccessData.Alice);
        return (await alice.GetAsync("/fhir/" + key)).StatusCode;
    }

    [Fact]
    public async System.Threading.Tasks.Task A_grantee_writes_envelopes_signed_with_its_own_keys()
    {
        var (status, body) = await PutAsync(AccessData.Doctor, _data.SealAs(AccessData.Doctor, Diagnosis("c-doc-own")));
        status.ShouldBe(HttpStatusCode.Created, body);
    }

    [Fact]
    public async System.Threading.Tasks.Task An_envelope_signed_as_someone_else_is_refused_and_names_the_section_not_the_value()
    {
        // The doctor may write medical, but brings an envelope signed with Alice's keys.
        var (status, body) = await PutAsync(AccessData.Doctor, _data.SealAs(AccessData.Alice, Diagnosis("c-forged-writer")));
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        body.ShouldContain("medical");
        body.ShouldContain("sesphr_key");
        body.ShouldNotContain("44054006");
        (await AliceReadsAsync("Condition/c-forged-writer")).ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async System.Threading.Tasks.Task The_patient_too_must_sign_with_her_own_keys()
    {
        var (status, _) = await PutAsync(AccessData.Alice, _data.SealAs(AccessData.Doctor, AccessData.Vital("v-alice-as-doc", AccessData.Pat, 70)));
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await PutAsync(AccessData.Alice, _data.Seal(AccessData.Vital("v-alice-own", AccessData.Pat, 70)))).Status.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async System.Threading.Tasks.Task An_envelope_naming_the_callers_signing_key_with_another_umbral_key_is_refused()
    {
        var doctor = People.KeysOf(AccessData.Doctor.Subject);
        var keys = SectionKeys.FromMasterSecret(Enumerable.Repeat((byte)7, 32).ToArray());
        var mismatched = SectionSealer.Seal(Diagnosis("c-half-keys"), section => new SectionKey(1, keys.PublicKey(section.ToCode(), 1)),
            doctor.Signer, SecretKey.Random().PublicKey);
        (await PutAsync(AccessData.Doctor, mismatched)).Status.ShouldBe(HttpStatusCode.UnprocessableEntity);

        // Nor is an envelope that names no Umbral key: its writer cannot be matched to anyone.
        var unnamed = SectionSealer.Seal(Diagnosis("c-no-umbral-key"), section => new SectionKey(1, keys.PublicKey(section.ToCode(), 1)), doctor.Signer);
        (await PutAsync(AccessData.Doctor, unnamed)).Status.ShouldBe(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_write_only_grantee_writes_its_section_and_no_other()
    {
        (await PutAsync(AccessData.Pharmacist, _data.SealAs(AccessData.Pharmacist, AccessData.Vital("v-pharm", AccessData.Pat, 72)))).Status
            .ShouldBe(HttpStatusCode.Created);

        var (status, body) = await PutAsync(AccessData.Pharmacist, _data.SealAs(AccessData.Pharmacist, AccessData.Lab("m-pharm", AccessData.Pat, 3)));
        status.ShouldBe(HttpStatusCode.Forbidden);
        body.ShouldNotContain("mg/dL");
        (await AliceReadsAsync("Observation/m-pharm")).ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async System.Threading.Tasks.Task An_envelope_carried_over_unchanged_is_not_the_callers_writing()
    {
        // Alice's envelope on v3 stays as it is while the pharmacist changes a clear field: accepted.
        using var alice = _data.As(AccessData.Alice);
        var current = await (await alice.GetAsync("/fhir/Observation/v3")).BodyAsync();
        var carried = new FhirJsonDeserializer().Deserialize<Observation>(current.GetRawText());
        carried.Status = ObservationStatus.Corrected;
        carried.Meta = null;
        carried.Extension.Count(EncryptedSectionExtension.IsEncryptedSection).ShouldBe(1);
        (await PutAsync(AccessData.Pharmacist, carried)).Status.ShouldBe(HttpStatusCode.OK);

        // A new envelope in its place is judged: the pharmacist's own is fine, Alice's forged by him is not.
        (await PutAsync(AccessData.Pharmacist, _data.SealAs(AccessData.Alice, AccessData.Vital("v3", AccessData.Pat, 10)))).Status
            .ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await PutAsync(AccessData.Pharmacist, _data.SealAs(AccessData.Pharmacist, AccessData.Vital("v3", AccessData.Pat, 10)))).Status
            .ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async System.Threading.Tasks.Task Envelopes_in_a_transaction_are_judged_too()
    {
        var bundle = new Bundle
        {
            Type = Bundle.BundleType.Transaction,
            Entry =
            [
                new Bundle.EntryComponent
                {
                    FullUrl = "http://localhost/fhir/Condition/c-tx-forged",
                    Resource = _data.SealAs(AccessData.Alice, Diagnosis("c-tx-forged")),
                    Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = "Condition/c-tx-forged" },
                },
            ],
        };
        using var doctor = _data.As(AccessData.Doctor);
        var response = await doctor.PostAsync("/fhir", FhirHttp.Json(new FhirJsonSerializer().SerializeToString(bundle)));
        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await AliceReadsAsync("Condition/c-tx-forged")).ShouldBe(HttpStatusCode.NotFound);
    }
}
