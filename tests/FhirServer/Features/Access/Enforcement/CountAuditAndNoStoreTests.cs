using System.Net;
using SeSPHR.FhirServer.Features.Access.Audit;
using SeSPHR.FhirServer.Tests.Infrastructure;

namespace SeSPHR.FhirServer.Tests.Features.Access.Enforcement;

/// <summary>
/// A count is a read: how many vital signs a patient has, or that she has any, is her data. So a
/// count is audited like a read, before it is answered; and no FHIR response that may carry a
/// patient's data is kept by a browser or a proxy (<c>Cache-Control: no-store</c>).
/// </summary>
public sealed class CountAuditAndNoStoreTests : IClassFixture<AccessData>, IDisposable
{
    private readonly AccessData _data;

    public CountAuditAndNoStoreTests(AccessData data)
    {
        _data = data;
        _data.ResetFakes();
    }

    public void Dispose() => _data.ResetFakes();

    [Theory]
    [InlineData("/fhir/Observation?_summary=count")]
    [InlineData("/fhir/Observation?subject=Patient/pat&_summary=count")]
    [InlineData("/fhir/Observation?_count=0&_total=accurate")]
    [InlineData("/fhir/Observation?_count=1&_total=accurate")]
    [InlineData("/fhir/Observation?_count=1&_total=estimate")]
    [InlineData("/fhir/Observation?_count=0")]
    [InlineData("/fhir/Patient/pat/$everything?_count=1")]
    public async Task Given_a_grantee_When_it_counts_a_patients_resources_Then_the_count_is_audited_in_her_record(string query)
    {
        using var family = _data.As(AccessData.Family);

        var response = await family.GetAsync(query);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        _data.Audit.Records.ShouldContain(r => r.Action == "count" && r.Patient == AccessData.Pat && r.ResourceKey == AccessData.Pat
            && r.CallerUserId == AccessData.Family.Subject && r.Outcome == AccessOutcome.Success);
    }

    [Fact]
    public async Task Given_a_count_When_the_audit_is_down_Then_503_and_no_count()
    {
        _data.Audit.Failing = true;
        using var family = _data.As(AccessData.Family);

        var response = await family.GetAsync("/fhir/Observation?_summary=count");

        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await response.Content.ReadAsStringAsync()).ShouldNotContain("\"total\"");
    }

    [Fact]
    public async Task Given_a_stored_resource_When_validated_by_id_Then_the_read_is_audited()
    {
        using var family = _data.As(AccessData.Family);

        var response = await family.GetAsync("/fhir/Observation/v2/$validate");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        _data.Audit.Records.ShouldContain(r => r.ResourceKey == "Observation/v2" && r.CallerUserId == AccessData.Family.Subject);
    }

    [Theory]
    [InlineData("/fhir/Patient/pat")]
    [InlineData("/fhir/Observation/v2")]
    [InlineData("/fhir/Observation/v2/_history/1")]
    [InlineData("/fhir/Observation?_count=5")]
    [InlineData("/fhir/Observation?_summary=count")]
    [InlineData("/fhir/Observation/v2/_history")]
    [InlineData("/fhir/Patient/pat/$everything")]
    [InlineData("/fhir/Observation/m2")]
    [InlineData("/fhir/Observation/not-there")]
    [InlineData("/fhir/Observation?unknown:modifier=1&_summary=nonsense")]
    [InlineData("/fhir/AuditEvent?patient=Patient/pat")]
    public async Task Given_an_authenticated_caller_When_any_fhir_response_comes_back_Then_it_is_no_store(string path)
    {
        using var family = _data.As(AccessData.Family);

        var response = await family.GetAsync(path);

        (response.Headers.CacheControl?.NoStore ?? false).ShouldBeTrue($"{path} answered {(int)response.StatusCode}");
    }

    [Fact]
    public async Task Given_writes_and_bundles_When_answered_Then_they_are_no_store()
    {
        using var alice = _data.As(AccessData.Alice);

        var bundle = await alice.PostAsync("/fhir", FhirHttp.Json("""{"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"GET","url":"Patient/pat"}}]}"""));
        var refused = await alice.PostAsync("/fhir/Patient", FhirHttp.Json("""{"resourceType":"Patient","name":[{"family":"x"}]}"""));

        (bundle.Headers.CacheControl?.NoStore ?? false).ShouldBeTrue();
        (refused.Headers.CacheControl?.NoStore ?? false).ShouldBeTrue();
    }
}
