using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace SeSPHR.FhirServer.Tests.Features.Access.Enforcement;

/// <summary>
/// A role grant admits only the members the patient approved: an insurer who registered with the
/// role but was never approved sees nothing of Alice's record through any read (not the masked
/// Patient, not ids, codes or dates, not counts), while the approved
/// insurer reads the granted section.
/// </summary>
public sealed class RoleGrantTests(AccessData data) : IClassFixture<AccessData>
{
    public static TheoryData<string> Reads => new()
    {
        "/fhir/Patient/pat",
        "/fhir/Coverage/cov1",
    };

    [Theory]
    [MemberData(nameof(Reads))]
    public async Task Given_an_unapproved_member_of_a_granted_role_When_they_read_a_resource_of_the_record_Then_it_is_withheld(string path)
    {
        using var stranger = data.As(AccessData.StrangerInsurer);
        using var insurer = data.As(AccessData.Insurer);

        var withheld = await stranger.GetAsync(path);

        withheld.StatusCode.ShouldNotBe(HttpStatusCode.OK);
        (await withheld.Content.ReadAsStringAsync()).ShouldNotContain("\"resourceType\":\"" + path.Split('/')[2] + "\"");
        (await insurer.GetAsync(path)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("/fhir/Coverage?_total=accurate")]
    [InlineData("/fhir/Coverage?_summary=count")]
    [InlineData("/fhir/Patient?_id=pat&_total=accurate")]
    [InlineData("/fhir/Patient?_total=accurate")]
    [InlineData("/fhir/Coverage?beneficiary=Patient/pat&_total=accurate&_include=Coverage:beneficiary")]
    public async Task Given_an_unapproved_member_of_a_granted_role_When_they_search_the_record_Then_nothing_is_found_or_counted(string query)
    {
        using var stranger = data.As(AccessData.StrangerInsurer);
        using var insurer = data.As(AccessData.Insurer);

        var strangers = await TotalAsync(stranger, query);
        var insurers = await TotalAsync(insurer, query);

        strangers.ShouldBe((0, 0));
        insurers.Total.ShouldBeGreaterThan(0);
    }

    private static async Task<(int Total, int Entries)> TotalAsync(HttpClient client, string query)
    {
        var response = await client.GetAsync(query);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var bundle = await response.Content.ReadFromJsonAsync<JsonElement>();
        var entries = bundle.TryGetProperty("entry", out var list) ? list.GetArrayLength() : 0;
        return (bundle.GetProperty("total").GetInt32(), entries);
    }
}
