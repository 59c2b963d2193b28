using System.Net;
using SeSPHR.FhirServer.Tests.Features.Access.Consents;
using static SeSPHR.FhirServer.Tests.Features.Access.Consents.ConsentBuilder;

namespace SeSPHR.FhirServer.Tests.Features.Access.Enforcement;

/// <summary>
/// <c>Fhir:Access:ConsentCheck=false</c> with authentication on: callers are signed in but Consent
/// filters nothing, so only the SRS stands between them and the data (the test build the issue asks for).
/// </summary>
public sealed class UnfilteredTests(UnfilteredTests.Data data) : IClassFixture<UnfilteredTests.Data>
{
    public sealed class Data : AccessData
    {
        protected override bool ConsentCheck => false;
    }

    [Fact]
    public async Task A_caller_without_any_Consent_sees_every_record_and_the_SRS_decides_each_envelope()
    {
        data.ResetFakes();
        data.Gateway.Refuse = item => item.Section != "vitals";
        using var pharmacist = data.As(AccessData.Pharmacist);
        var (entries, totals, _) = await AccessData.AllPagesAsync(pharmacist, "/fhir/Observation?_count=50&_total=accurate");
        entries.Count.ShouldBe(14);
        totals.ShouldAllBe(t => t == 14);
        var call = data.Gateway.Calls.ShouldHaveSingleItem();
        call.Items.Count.ShouldBe(14);
        foreach (var (_, _, entry) in entries)
        {
            var resource = entry.GetProperty("resource");
            var vital = resource.GetProperty("category")[0].GetProperty("coding")[0].GetProperty("code").GetString() == "vital-signs";
            resource.TryGetProperty("extension", out _).ShouldBe(vital);
        }
    }

    [Fact]
    public async Task Nothing_the_SRS_issued_is_replayed_the_SRS_decides_every_read()
    {
        data.ResetFakes();
        using var family = data.As(AccessData.Family);
        (await family.GetAsync("/fhir/Observation/v2")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await family.GetAsync("/fhir/Observation/v2")).StatusCode.ShouldBe(HttpStatusCode.OK);
        data.Gateway.Calls.Count.ShouldBe(2);
    }

    [Fact]
    public async Task Consents_are_still_written_only_by_their_patient()
    {
        data.ResetFakes();
        using var pharmacist = data.As(AccessData.Pharmacist);
        var consent = ConsentOf(AccessData.Pat, Permit(People.Pharmacist)).With(c => c.Id = "c-self");
        (await data.TryPutAsync(pharmacist, consent)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        data.Reconciler.Calls.ShouldBeEmpty();
    }

    [Fact]
    public async Task Anonymous_requests_are_still_refused()
    {
        using var client = data.Client();
        (await client.GetAsync("/fhir/Observation")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
