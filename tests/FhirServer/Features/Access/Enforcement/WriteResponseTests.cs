using System.Net;
using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using SeSPHR.FhirServer.Tests.Infrastructure;
using SeSPHR.Phr.Envelopes;

namespace SeSPHR.FhirServer.Tests.Features.Access.Enforcement;

/// <summary>
/// What a writer gets back: the representation of a create, update, patch or Bundle entry is shaped
/// like a read of it (envelopes the caller may not read leave, readable ones of another's record come
/// with cfrags, the return audited), and <c>return=minimal</c> stays empty. The pharmacist here may
/// write vitals into Alice's record but read nothing of it.
/// </summary>
public sealed class WriteResponseTests : IClassFixture<PharmacistWritesVitalsData>, IDisposable
{
    private readonly PharmacistWritesVitalsData _data;

    public WriteResponseTests(PharmacistWritesVitalsData data)
    {
        _data = data;
        _data.ResetFakes();
    }

    public void Dispose() => _data.ResetFakes();

    /// <summary>Observation/{id} as stored with Alice's vitals envelope, stripped of it, with a new clear status.</summary>
    private Observation ClearUpdateOf(string id, int rate)
    {
        var clear = (Observation)_data.Seal(AccessData.Vital(id, AccessData.Pat, rate));
        clear.Extension.RemoveAll(EncryptedSectionExtension.IsEncryptedSection);
        clear.Status = ObservationStatus.Amended;
        return clear;
    }

    private static string Json(Resource resource) => new FhirJsonSerializer().SerializeToString(resource);

    private static IEnumerable<JsonElement> EnvelopesOf(JsonElement resource) =>
        resource.TryGetProperty("extension", out var extensions)
            ? extensions.EnumerateArray().Where(e => e.GetProperty("url").GetString() == EncryptedSectionExtension.Url)
            : [];

    [Fact]
    public async System.Threading.Tasks.Task A_write_only_grantee_updating_an_Observation_gets_back_no_envelope_it_may_not_read()
    {
        using var pharmacist = _data.As(AccessData.Pharmacist);
        var response = await pharmacist.PutAsync("/fhir/Observation/v2", FhirHttp.Json(Json(ClearUpdateOf("v2", 62))));
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = await response.BodyAsync();
        body.GetProperty("status").GetString().ShouldBe("amended");
        EnvelopesOf(body).ShouldBeEmpty();
        body.GetRawText().ShouldNotContain(EncryptedSectionExtension.Url);
        _data.Gateway.Calls.ShouldBeEmpty();

        // The envelope was carried over, not lost: Alice still has it.
        using var alice = _data.As(AccessData.Alice);
        var stored = await (await alice.GetAsync("/fhir/Observation/v2")).BodyAsync();
        EnvelopesOf(stored).ShouldHaveSingleItem();
        stored.GetProperty("status").GetString().ShouldBe("amended");
    }

    [Fact]
    public async System.Threading.Tasks.Task Return_minimal_stays_minimal()
    {
        using var pharmacist = _data.As(AccessData.Pharmacist);
        using var request = new HttpRequestMessage(HttpMethod.Put, "/fhir/Observation/v3") { Content = FhirHttp.Json(Json(ClearUpdateOf("v3", 63))) };
        request.Headers.Add("Prefer", "return=minimal");
        var response = await pharmacist.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldBeEmpty();
        response.Headers.ETag.ShouldNotBeNull();
    }

    [Fact]
    public async System.Threading.Tasks.Task A_patch_answer_carries_no_envelope_the_patcher_may_not_read()
    {
        using var pharmacist = _data.As(AccessData.Pharmacist);
        using var request = new HttpRequestMessage(HttpMethod.Patch, "/fhir/Observation/v4")
        {
            Content = new StringContent("""[{"op":"replace","path":"/status","value":"amended"}]""", Encoding.UTF8, "application/json-patch+json"),
        };

        // The pharmacist may not read v4, so it may not patch it (a patch is applied to what is
        // stored), and is refused as for an id with nothing under it; the Consent lets it write vitals, not read them.
        var response = await pharmacist.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync()).ShouldNotContain(EncryptedSectionExtension.Url);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_grantee_that_reads_and_writes_gets_its_cfrag_with_the_patch_answer()
    {
        // The doctor reads and writes medical: the patched lab result comes back with the cfrag of one call.
        using var doctor = _data.As(AccessData.Doctor);
        using var request = new HttpRequestMessage(HttpMethod.Patch, "/fhir/Observation/m3")
        {
            Content = new StringContent("""[{"op":"replace","path":"/status","value":"amended"}]""", Encoding.UTF8, "application/json-patch+json"),
        };
        var response = await doctor.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var envelope = EnvelopesOf(await response.BodyAsync()).ShouldHaveSingleItem();
        envelope.GetProperty("extension").EnumerateArray().Count(p => p.GetProperty("url").GetString() == EncryptedSectionExtension.CapsuleFragmentUrl).ShouldBe(1);
        _data.Gateway.Calls.ShouldHaveSingleItem().Grantee.ShouldBe(AccessData.Doctor.Subject);
        _data.Audit.Records.ShouldContain(r => r.ResourceKey == "Observation/m3" && r.Action == "update" && r.CallerUserId == AccessData.Doctor.Subject);
        _data.Audit.Records.ShouldContain(r => r.ResourceKey == "Observation/m3" && r.Action == "read" && r.CallerUserId == AccessData.Doctor.Subject);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_grantee_writing_its_own_sealed_vital_gets_its_envelope_stripped_when_it_may_not_read_it()
    {
        using var pharmacist = _data.As(AccessData.Pharmacist);
        var sealedVital = _data.SealAs(AccessData.Pharmacist, AccessData.Vital("v-by-pharm", AccessData.Pat, 71));
        var response = await _data.TryPutAsync(pharmacist, sealedVital);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        EnvelopesOf(await response.BodyAsync()).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("transaction")]
    [InlineData("batch")]
    public async System.Threading.Tasks.Task Bundle_entries_with_representation_are_shaped(string type)
    {
        using var pharmacist = _data.As(AccessData.Pharmacist);
        var id = type == "transaction" ? "v5" : "v6";
        var bundle = new Bundle
        {
            Type = type == "transaction" ? Bundle.BundleType.Transaction : Bundle.BundleType.Batch,
            Entry =
            [
                new Bundle.EntryComponent
                {
                    FullUrl = $"http://localhost/fhir/Observation/{id}",
                    Resource = ClearUpdateOf(id, 65),
                    Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"Observation/{id}" },
                },
            ],
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/fhir") { Content = FhirHttp.Json(Json(bundle)) };
        request.Headers.Add("Prefer", "return=representation");
        var response = await pharmacist.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var entry = (await response.BodyAsync()).GetProperty("entry")[0];
        entry.GetProperty("response").GetProperty("status").GetString()!.ShouldStartWith("200");
        var resource = entry.GetProperty("resource");
        resource.GetProperty("status").GetString().ShouldBe("amended");
        EnvelopesOf(resource).ShouldBeEmpty();
    }

    [Fact]
    public async System.Threading.Tasks.Task The_patient_gets_her_own_write_back_whole_without_the_SRS()
    {
        _data.Gateway.Down = true;
        using var alice = _data.As(AccessData.Alice);
        var response = await _data.TryPutAsync(alice, _data.Seal(AccessData.Vital("v-own", AccessData.Pat, 64)));
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        EnvelopesOf(await response.BodyAsync()).ShouldHaveSingleItem();
        _data.Gateway.Calls.ShouldBeEmpty();
    }
}
