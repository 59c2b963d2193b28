using System.Net;
using System.Text.Json;
using SeSPHR.FhirServer.Features.Access.Audit;
using SeSPHR.FhirServer.Tests.Features.Access.Consents;
using SeSPHR.FhirServer.Tests.Infrastructure;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;

namespace SeSPHR.FhirServer.Tests.Features.Access.Enforcement;

/// <summary>
/// What leaves the server with each resource: envelopes of unreadable sections removed, readable
/// envelopes of another patient's record with the cfrags of one re-encryption call, and the audit
/// written before the answer.
/// </summary>
public sealed class ShapingTests : IClassFixture<AccessData>, IDisposable
{
    private readonly AccessData _data;

    public ShapingTests(AccessData data)
    {
        _data = data;
        _data.ResetFakes();
    }

    public void Dispose() => _data.ResetFakes();

    [Fact]
    public async Task A_grantee_without_personal_gets_the_Patient_masked_and_the_owner_gets_it_whole()
    {
        using var family = _data.As(AccessData.Family);
        var masked = await (await family.GetAsync("/fhir/Patient/pat")).BodyAsync();
        Envelopes(masked).ShouldBeEmpty();
        masked.GetRawText().ShouldNotContain("Liddell");
        masked.GetProperty("active").GetBoolean().ShouldBeTrue();

        using var alice = _data.As(AccessData.Alice);
        var whole = await (await alice.GetAsync("/fhir/Patient/pat")).BodyAsync();
        Envelopes(whole).Select(e => e.Section).ShouldBe(["personal"]);
        Envelopes(whole).ShouldAllBe(e => e.Cfrags.Count == 0);
        _data.Gateway.Calls.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_grantee_gets_the_cfrag_of_a_readable_envelope_from_one_gateway_call()
    {
        using var family = _data.As(AccessData.Family);
        var body = await (await family.GetAsync("/fhir/Observation/v2")).BodyAsync();
        var envelope = Envelopes(body).ShouldHaveSingleItem();
        envelope.Section.ShouldBe("vitals");
        envelope.Cfrags.ShouldHaveSingleItem().ShouldBe(Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes("cfrag:Patient/pat:vitals:1")));

        var call = _data.Gateway.Calls.ShouldHaveSingleItem();
        call.Grantee.ShouldBe(AccessData.Family.Subject);
        var item = call.Items.ShouldHaveSingleItem();
        (item.Patient, item.Section, item.Epoch).ShouldBe(("Patient/pat", "vitals", 1u));
        item.Capsule.Length.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task A_search_page_makes_one_gateway_call_for_all_its_envelopes()
    {
        using var doctor = _data.As(AccessData.Doctor);
        var bundle = await (await doctor.GetAsync("/fhir/Observation?_count=50&_include=Observation:subject")).BodyAsync();
        var resources = bundle.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource")).ToList();
        resources.Count.ShouldBe(11);
        var call = _data.Gateway.Calls.ShouldHaveSingleItem();
        // One envelope per observation; the included Patient's personal envelope is not readable and is stripped.
        call.Items.Count.ShouldBe(10);
        foreach (var resource in resources)
        {
            var envelopes = Envelopes(resource);
            if (resource.GetProperty("resourceType").GetString() == "Patient")
            {
                envelopes.ShouldBeEmpty();
            }
            else
            {
                envelopes.ShouldHaveSingleItem().Cfrags.ShouldHaveSingleItem();
            }
        }
    }

    [Fact]
    public async Task Refused_envelopes_are_dropped()
    {
        _data.Gateway.Refuse = item => true;
        using var family = _data.As(AccessData.Family);
        var body = await (await family.GetAsync("/fhir/Observation/v3")).BodyAsync();
        Envelopes(body).ShouldBeEmpty();
    }

    [Fact]
    public async Task Without_the_SRS_a_grantee_gets_503_and_no_partial_answer()
    {
        _data.Gateway.Down = true;
        using var family = _data.As(AccessData.Family);
        var response = await family.GetAsync("/fhir/Observation?_count=50");
        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        var text = await response.Content.ReadAsStringAsync();
        text.ShouldContain("re-encryption service is unavailable");
        text.ShouldNotContain("\"Bundle\"");
    }

    [Fact]
    public async Task The_owner_reads_without_the_SRS()
    {
        _data.Gateway.Down = true;
        using var alice = _data.As(AccessData.Alice);
        var response = await alice.GetAsync("/fhir/Observation?_count=50");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        _data.Gateway.Calls.ShouldBeEmpty();
        var bundle = await response.BodyAsync();
        bundle.GetProperty("entry").EnumerateArray().ShouldAllBe(e => Envelopes(e.GetProperty("resource")).Count == 1);
    }

    [Fact]
    public async Task A_conditional_create_that_matches_serves_the_match_shaped_and_audited_like_a_read()
    {
        // The matched resource goes back as the answer: the same shaping and audit as a read, or a
        // grantee without personal would receive the Patient's personal envelope this way.
        using var family = _data.As(AccessData.Family);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/fhir/Patient")
        {
            Content = new StringContent("""{"resourceType":"Patient","active":true}""", System.Text.Encoding.UTF8, "application/fhir+json"),
        };
        request.Headers.Add("If-None-Exist", "_id=pat");
        request.Headers.Add("Prefer", "return=representation");
        var response = await family.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var matched = await response.BodyAsync();
        matched.GetProperty("id").GetString().ShouldBe("pat");
        Envelopes(matched).ShouldBeEmpty();
        _data.Audit.Records.ShouldContain(r => r.ResourceKey == "Patient/pat" && r.CallerUserId == AccessData.Family.Subject);

        var bundle = $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:{{{Guid.NewGuid()}}}",
              "resource":{"resourceType":"Patient","active":true},
              "request":{"method":"POST","url":"Patient","ifNoneExist":"_id=pat"}}]}
            """;
        using var transaction = new HttpRequestMessage(HttpMethod.Post, "/fhir")
        {
            Content = new StringContent(bundle, System.Text.Encoding.UTF8, "application/fhir+json"),
        };
        transaction.Headers.Add("Prefer", "return=representation");
        var answer = await family.SendAsync(transaction);
        answer.StatusCode.ShouldBe(HttpStatusCode.OK);
        var entry = (await answer.BodyAsync()).GetProperty("entry")[0].GetProperty("resource");
        entry.GetProperty("id").GetString().ShouldBe("pat");
        Envelopes(entry).ShouldBeEmpty();
    }

    [Fact]
    public async Task Every_protected_resource_returned_is_audited()
    {
        using var family = _data.As(AccessData.Family);
        (await family.GetAsync("/fhir/Observation?_count=50")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var records = _data.Audit.Records.ToList();
        records.Select(r => r.ResourceKey).Order().ShouldBe(new[] { "v1", "v2", "v3", "v4", "v5", "v6" }.Select(v => "Observation/" + v).Order());
        records.ShouldAllBe(r => r.CallerUserId == AccessData.Family.Subject && r.Patient == "Patient/pat" && r.Action == "search" && r.Section == "vitals");
    }

    [Fact]
    public async Task The_response_waits_for_the_audit()
    {
        _data.Audit.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var family = _data.As(AccessData.Family);
        var request = family.GetAsync("/fhir/Observation/v4");
        await _data.Audit.Entered.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await Task.Delay(300);
        request.IsCompleted.ShouldBeFalse();
        _data.Audit.Gate.SetResult();
        (await request).StatusCode.ShouldBe(HttpStatusCode.OK);
        _data.Audit.Records.ShouldContain(r => r.ResourceKey == "Observation/v4" && r.Action == "read");
    }

    [Fact]
    public async Task The_audit_commits_while_the_SRS_reencrypts_and_the_response_waits_for_both()
    {
        // One WAL flush at a time: the audit need not wait for the SRS's answer (nor the SRS for the audit).
        _data.Gateway.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _data.Audit.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var family = _data.As(AccessData.Family);
        var request = family.GetAsync("/fhir/Observation/v2");
        // Both under way at once, each held: neither waits for the other to finish first.
        await Task.WhenAll(_data.Audit.Entered.Task, _data.Gateway.Entered.Task).WaitAsync(TimeSpan.FromSeconds(20));

        _data.Gateway.Gate.SetResult();
        await Task.Delay(300);
        request.IsCompleted.ShouldBeFalse("the SRS answered, but the audit is not committed yet");
        _data.Audit.Gate.SetResult();
        var body = await (await request).BodyAsync();
        Envelopes(body).ShouldHaveSingleItem().Cfrags.ShouldHaveSingleItem();
        _data.Audit.Records.ShouldContain(r => r.ResourceKey == "Observation/v2" && r.Outcome == AccessOutcome.Success);
    }

    [Fact]
    public async Task When_the_SRS_fails_after_the_access_was_audited_the_audit_also_records_the_failure()
    {
        _data.Gateway.Down = true;
        using var family = _data.As(AccessData.Family);
        var response = await family.GetAsync("/fhir/Observation/v2");
        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await response.Content.ReadAsStringAsync()).ShouldNotContain("8867-4");
        var records = _data.Audit.Records.Where(r => r.ResourceKey == "Observation/v2").ToList();
        records.Select(r => r.Outcome).ShouldBe([AccessOutcome.Success, AccessOutcome.Failed]);
        records.Select(r => r.RequestId).Distinct().ShouldHaveSingleItem();
    }

    [Fact]
    public async Task When_the_audit_fails_nothing_is_served()
    {
        _data.Audit.Failing = true;
        using var family = _data.As(AccessData.Family);
        var response = await family.GetAsync("/fhir/Observation/v5");
        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await response.Content.ReadAsStringAsync()).ShouldNotContain("8867-4");
    }

    [Fact]
    public async Task Stored_cfrags_are_never_served()
    {
        // The owner can write anything in their record, even an envelope carrying a cfrag.
        var sealedObservation = (Hl7.Fhir.Model.Observation)_data.Seal(AccessData.Vital("planted", AccessData.Pat, 80));
        var extension = sealedObservation.Extension.Single(EncryptedSectionExtension.IsEncryptedSection);
        extension.Extension.Add(new Hl7.Fhir.Model.Extension(EncryptedSectionExtension.CapsuleFragmentUrl, new Hl7.Fhir.Model.Base64Binary([1, 2, 3])));
        using var alice = _data.As(AccessData.Alice);
        var written = await _data.TryPutAsync(alice, sealedObservation);
        if (!written.IsSuccessStatusCode)
        {
            return; // the write guard refusing planted cfrags is fine too
        }

        try
        {
            using var family = _data.As(AccessData.Family);
            var body = await (await family.GetAsync("/fhir/Observation/planted")).BodyAsync();
            Envelopes(body).ShouldHaveSingleItem().Cfrags.ShouldNotContain(Convert.ToBase64String(new byte[] { 1, 2, 3 }));
        }
        finally
        {
            await alice.DeleteAsync("/fhir/Observation/planted");
        }
    }

    [Fact]
    public async Task A_grantee_reading_a_capsule_again_is_served_the_SRS_s_earlier_answer_without_a_call()
    {
        using var family = _data.As(AccessData.Family);
        var first = await (await family.GetAsync("/fhir/Observation/v2")).BodyAsync();
        var second = await (await family.GetAsync("/fhir/Observation/v2")).BodyAsync();

        _data.Gateway.Calls.ShouldHaveSingleItem();
        Envelopes(second).ShouldHaveSingleItem().Cfrags.ShouldBe(Envelopes(first).Single().Cfrags);
        // Replayed or not, every read is audited.
        _data.Audit.Records.Count(r => r.ResourceKey == "Observation/v2" && r.CallerUserId == AccessData.Family.Subject).ShouldBe(2);
    }

    [Fact]
    public async Task What_the_SRS_issued_to_one_grantee_is_never_replayed_to_another()
    {
        using var family = _data.As(AccessData.Family);
        using var doctor = _data.As(AccessData.Doctor);
        (await family.GetAsync("/fhir/Observation/v2")).StatusCode.ShouldBe(HttpStatusCode.OK);
        _data.Gateway.Refuse = _ => true;
        var body = await (await doctor.GetAsync("/fhir/Observation/v2")).BodyAsync();

        Envelopes(body).ShouldBeEmpty();
        _data.Gateway.Calls.Select(c => c.Grantee).ShouldBe([AccessData.Family.Subject, AccessData.Doctor.Subject]);
    }

    [Fact]
    public async Task A_Consent_change_of_the_patient_ends_the_replay_and_the_SRS_decides_again()
    {
        using var family = _data.As(AccessData.Family);
        using var alice = _data.As(AccessData.Alice);
        (await family.GetAsync("/fhir/Observation/v3")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await _data.PutAsync(alice, ConsentBuilder.ConsentOf(AccessData.Pat, ConsentBuilder.Permit(People.Pharmacist).Reads().Sections(PhrSection.Prescriptions))
            .With(c => c.Id = "c-replay"));
        try
        {
            // As after a revocation: the SRS no longer re-encrypts for this grantee.
            _data.Gateway.Refuse = _ => true;
            var body = await (await family.GetAsync("/fhir/Observation/v3")).BodyAsync();
            Envelopes(body).ShouldBeEmpty();
            _data.Gateway.Calls.Count.ShouldBe(2);
        }
        finally
        {
            (await alice.DeleteAsync("/fhir/Consent/c-replay")).IsSuccessStatusCode.ShouldBeTrue();
        }
    }

    [Fact]
    public async Task A_refused_capsule_is_asked_again_next_time()
    {
        using var family = _data.As(AccessData.Family);
        _data.Gateway.Refuse = _ => true;
        Envelopes(await (await family.GetAsync("/fhir/Observation/v4")).BodyAsync()).ShouldBeEmpty();
        _data.Gateway.Refuse = _ => false;
        Envelopes(await (await family.GetAsync("/fhir/Observation/v4")).BodyAsync()).ShouldHaveSingleItem().Cfrags.ShouldHaveSingleItem();
        _data.Gateway.Calls.Count.ShouldBe(2);
    }

    [Fact]
    public async Task With_the_SRS_down_a_capsule_issued_before_is_still_served_and_any_other_gets_503()
    {
        using var family = _data.As(AccessData.Family);
        (await family.GetAsync("/fhir/Observation/v5")).StatusCode.ShouldBe(HttpStatusCode.OK);
        _data.Gateway.Down = true;
        var replayed = await family.GetAsync("/fhir/Observation/v5");
        replayed.StatusCode.ShouldBe(HttpStatusCode.OK);
        Envelopes(await replayed.BodyAsync()).ShouldHaveSingleItem().Cfrags.ShouldHaveSingleItem();
        (await family.GetAsync("/fhir/Observation/v6")).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
    }

    private const string Batch = """
        {"resourceType":"Bundle","type":"batch","entry":[
          {"request":{"method":"GET","url":"Observation/v2"}},
          {"request":{"method":"GET","url":"Observation/v3"}},
          {"request":{"method":"GET","url":"Observation?_count=50"}}]}
        """;

    [Fact]
    public async Task A_batch_makes_one_gateway_call_for_all_its_entries()
    {
        using var family = _data.As(AccessData.Family);
        var response = await family.PostAsync("/fhir", FhirHttp.Json(Batch));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var entries = (await response.BodyAsync()).GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource")).ToList();
        var call = _data.Gateway.Calls.ShouldHaveSingleItem();
        call.Items.Count.ShouldBe(2 + 6);
        var expected = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes("cfrag:Patient/pat:vitals:1"));
        Envelopes(entries[0]).ShouldHaveSingleItem().Cfrags.ShouldBe([expected]);
        Envelopes(entries[1]).ShouldHaveSingleItem().Cfrags.ShouldBe([expected]);
        var searched = entries[2].GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource")).ToList();
        searched.Count.ShouldBe(6);
        searched.ShouldAllBe(r => Envelopes(r).Single().Cfrags.SequenceEqual(new[] { expected }));
    }

    [Fact]
    public async Task A_batch_drops_the_envelopes_the_SRS_refuses_and_fails_whole_without_it()
    {
        using var family = _data.As(AccessData.Family);
        var calls = 0;
        _data.Gateway.Refuse = _ => calls++ % 2 == 0;
        var body = await (await family.PostAsync("/fhir", FhirHttp.Json(Batch))).BodyAsync();
        var resources = body.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource")).ToList();
        var all = resources.Take(2).Concat(resources[2].GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource"))).ToList();
        all.Count(r => Envelopes(r).Count == 0).ShouldBe(4);
        all.Where(r => Envelopes(r).Count == 1).ShouldAllBe(r => Envelopes(r)[0].Cfrags.Count == 1);
        // No marker of the deferred call is left behind: every cfrag served is the SRS's.
        var expected = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes("cfrag:Patient/pat:vitals:1"));
        all.SelectMany(r => Envelopes(r).SelectMany(e => e.Cfrags)).ShouldAllBe(c => c == expected);

        _data.Gateway.Down = true;
        var down = await family.PostAsync("/fhir", FhirHttp.Json(Batch));
        down.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
    }

    private static List<(string Section, List<string> Cfrags)> Envelopes(JsonElement resource) =>
        !resource.TryGetProperty("extension", out var extensions) ? [] : extensions.EnumerateArray()
            .Where(e => e.GetProperty("url").GetString() == EncryptedSectionExtension.Url)
            .Select(e =>
            {
                var parts = e.GetProperty("extension").EnumerateArray().ToList();
                return (
                    parts.Single(p => p.GetProperty("url").GetString() == "section").GetProperty("valueCode").GetString()!,
                    parts.Where(p => p.GetProperty("url").GetString() == "cfrag").Select(p => p.GetProperty("valueBase64Binary").GetString()!).ToList());
            })
            .ToList();
}
