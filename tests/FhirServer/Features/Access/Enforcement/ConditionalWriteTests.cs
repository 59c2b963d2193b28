using System.Net;
using Hl7.Fhir.Serialization;
using SeSPHR.FhirServer.Tests.Infrastructure;

namespace SeSPHR.FhirServer.Tests.Features.Access.Enforcement;

/// <summary>
/// Conditional update, delete and patch go through the same Consent checks as writes by id, and their
/// search sees only what the caller may read: a condition never finds a withheld resource, and never
/// answers differently because one exists.
/// </summary>
public sealed class ConditionalWriteTests : IClassFixture<ConditionalWriteTests.Data>, IDisposable
{
    private const string NoOpPatch = """[{"op":"test","path":"/resourceType","value":"Observation"}]""";

    private readonly Data _data;

    public ConditionalWriteTests(Data data)
    {
        _data = data;
        _data.ResetFakes();
    }

    /// <summary>A record of its own: these tests change it.</summary>
    public sealed class Data : AccessData;

    public void Dispose() => _data.ResetFakes();

    private static async Task<HttpResponseMessage> PatchAsync(HttpClient client, string url, string patch = NoOpPatch)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, url) { Content = FhirHttp.Json(patch, "application/json-patch+json") };
        return await client.SendAsync(request);
    }

    private static async Task<(int Status, string Outcome)> AnswerAsync(HttpResponseMessage response) =>
        ((int)response.StatusCode, await response.Content.ReadAsStringAsync());

    private async Task<string> VersionSeenByAliceAsync(string key)
    {
        using var alice = _data.As(AccessData.Alice);
        var response = await alice.GetAsync($"/fhir/{key}");
        response.StatusCode.ShouldBe(HttpStatusCode.OK, key);
        return (await response.BodyAsync()).GetProperty("meta").GetProperty("versionId").GetString()!;
    }

    [Fact]
    public async Task A_condition_that_finds_only_a_withheld_resource_answers_as_one_that_finds_nothing()
    {
        using var pharmacist = _data.As(AccessData.Pharmacist);
        var before = await VersionSeenByAliceAsync("Observation/v2");

        var delete = await pharmacist.DeleteAsync("/fhir/Observation?_id=v2");
        var patch = await AnswerAsync(await PatchAsync(pharmacist, "/fhir/Observation?_id=v2"));
        var patchNothing = await AnswerAsync(await PatchAsync(pharmacist, "/fhir/Observation?_id=never-there"));
        var update = await AnswerAsync(await pharmacist.PutAsync("/fhir/Patient?_id=pat", FhirHttp.Json("""{"resourceType":"Patient","active":false}""")));
        var updateNothing = await AnswerAsync(await pharmacist.PutAsync("/fhir/Patient?_id=never-there", FhirHttp.Json("""{"resourceType":"Patient","active":false}""")));

        delete.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        patch.ShouldBe(patchNothing);
        patch.Status.ShouldBe(404);
        update.ShouldBe(updateNothing);
        update.Status.ShouldBe(403);
        (await VersionSeenByAliceAsync("Observation/v2")).ShouldBe(before);
        (await VersionSeenByAliceAsync("Patient/pat")).ShouldBe("1");
    }

    [Fact]
    public async Task Withheld_matches_never_make_a_condition_ambiguous()
    {
        // The family member reads vitals only: the laboratory Observations are withheld from them,
        // and the pharmacist reads nothing of the record.
        using var family = _data.As(AccessData.Family);
        using var pharmacist = _data.As(AccessData.Pharmacist);

        var labs = await AnswerAsync(await PatchAsync(family, "/fhir/Observation?_id=m1,m3,m4"));
        var record = await AnswerAsync(await PatchAsync(pharmacist, $"/fhir/Observation?subject={AccessData.Pat}"));
        var nothing = await AnswerAsync(await PatchAsync(family, "/fhir/Observation?_id=never-1,never-2"));

        labs.ShouldBe(nothing);
        record.ShouldBe(nothing);
        nothing.Status.ShouldBe(404);
    }

    [Fact]
    public async Task A_condition_finding_a_readable_and_a_withheld_resource_acts_on_the_readable_one()
    {
        // The doctor reads and writes the medical section, except m2, denied to them by id.
        using var doctor = _data.As(AccessData.Doctor);
        var m2 = await VersionSeenByAliceAsync("Observation/m2");

        var patched = await PatchAsync(doctor, "/fhir/Observation?_id=m1,m2");
        var deleted = await doctor.DeleteAsync("/fhir/Observation?_id=m2");

        patched.StatusCode.ShouldBe(HttpStatusCode.OK, await patched.Content.ReadAsStringAsync());
        (await patched.BodyAsync()).GetProperty("id").GetString().ShouldBe("m1");
        deleted.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await VersionSeenByAliceAsync("Observation/m2")).ShouldBe(m2);
        _data.Audit.Records.ShouldContain(r => r.ResourceKey == "Observation/m1" && r.Action == "update" && r.CallerUserId == AccessData.Doctor.Subject);
    }

    [Fact]
    public async Task A_caller_that_may_read_but_not_write_what_a_condition_finds_is_refused_and_nothing_changes()
    {
        using var family = _data.As(AccessData.Family);
        var before = await VersionSeenByAliceAsync("Observation/v2");
        var sealedV2 = new FhirJsonSerializer().SerializeToString(_data.Seal(AccessData.Vital("v2", AccessData.Pat, 120)));

        var delete = await family.DeleteAsync("/fhir/Observation?_id=v2");
        var patch = await PatchAsync(family, "/fhir/Observation?_id=v2");
        var update = await family.PutAsync("/fhir/Observation?_id=v2", FhirHttp.Json(sealedV2));

        foreach (var response in new[] { delete, patch, update })
        {
            response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            (await response.OutcomeCodeAsync()).ShouldBe("forbidden");
        }

        (await VersionSeenByAliceAsync("Observation/v2")).ShouldBe(before);
    }

    [Fact]
    public async Task Without_a_token_conditional_writes_are_refused()
    {
        using var anonymous = _data.Client();

        var update = await anonymous.PutAsync("/fhir/Patient?_id=pat", FhirHttp.Json("""{"resourceType":"Patient","active":false}"""));
        var delete = await anonymous.DeleteAsync("/fhir/Observation?_id=v2");
        var patch = await PatchAsync(anonymous, "/fhir/Observation?_id=v2");

        foreach (var response in new[] { update, delete, patch })
        {
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        (await VersionSeenByAliceAsync("Patient/pat")).ShouldBe("1");
    }

    [Fact]
    public async Task The_owner_updates_and_deletes_by_condition_and_both_are_audited()
    {
        using var alice = _data.As(AccessData.Alice);
        var sealedV3 = new FhirJsonSerializer().SerializeToString(_data.Seal(AccessData.Vital("v3", AccessData.Pat, 77)));

        var update = await alice.PutAsync("/fhir/Observation?_id=v3", FhirHttp.Json(sealedV3));
        var delete = await alice.DeleteAsync("/fhir/Observation?_id=v4");
        var ambiguous = await alice.DeleteAsync("/fhir/Observation?subject=Patient/pat");

        update.StatusCode.ShouldBe(HttpStatusCode.OK, await update.Content.ReadAsStringAsync());
        (await update.BodyAsync()).GetProperty("meta").GetProperty("versionId").GetString().ShouldBe("2");
        delete.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await alice.GetAsync("/fhir/Observation/v4")).StatusCode.ShouldBe(HttpStatusCode.Gone);
        ambiguous.StatusCode.ShouldBe(HttpStatusCode.PreconditionFailed);
        (await ambiguous.OutcomeCodeAsync()).ShouldBe("multiple-matches");
        _data.Audit.Records.ShouldContain(r => r.ResourceKey == "Observation/v3" && r.Action == "update");
        _data.Audit.Records.ShouldContain(r => r.ResourceKey == "Observation/v4" && r.Action == "delete");
    }
}
