using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SeSPHR.Srs.Tests.Infrastructure;

namespace SeSPHR.Srs.Tests.Grants;

/// <summary>
/// The role-grant endpoints over HTTP with real tokens: only a patient's own token lists pending
/// members, and only an admin makes a member leave (suspension, approval withdrawn).
/// </summary>
public sealed class RoleGrantHttpTests(SrsFixture srs) : IClassFixture<SrsFixture>
{
    private const string PatientScope = SrsFlows.PatientSrsScope;

    [Fact]
    public async Task Given_no_token_or_a_practitioners_token_When_pending_members_are_asked_Then_401_or_403()
    {
        var http = srs.Host.CreateClient();
        (await http.GetAsync("/api/grants/pending-members")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        var doctor = await ApprovedAsync("practitioner", "Practitioner");
        using var asDoctor = SrsFlows.WithBearer(srs.Host, (await SrsFlows.SignInAsync(srs.Host, doctor, PatientScope)).AccessToken);
        (await asDoctor.GetAsync("/api/grants/pending-members")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Given_a_patients_token_When_pending_members_are_asked_Then_200_and_a_bad_filter_is_problem_json_400()
    {
        var patient = await SrsFlows.RegisterAsync(srs.Host.CreateClient(), SrsFixture.Unique("pat"), "patient", "Patient/" + Guid.NewGuid().ToString("N"));
        using var asPatient = SrsFlows.WithBearer(srs.Host, (await SrsFlows.SignInAsync(srs.Host, patient, PatientScope)).AccessToken);

        var listed = await asPatient.GetAsync("/api/grants/pending-members");
        await SrsFlows.ExpectAsync(listed, HttpStatusCode.OK);
        (await listed.Content.ReadFromJsonAsync<JsonElement>()).GetArrayLength().ShouldBe(0);

        var bad = await asPatient.GetAsync("/api/grants/pending-members?consentId=" + Uri.EscapeDataString("Consent/a b"));
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        bad.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task Given_an_approved_member_When_an_admin_withdraws_the_approval_Then_they_are_pending_and_a_non_admin_cannot()
    {
        var researcher = await ApprovedAsync("researcher", "Practitioner");
        var patient = await SrsFlows.RegisterAsync(srs.Host.CreateClient(), SrsFixture.Unique("pat"), "patient", "Patient/" + Guid.NewGuid().ToString("N"));
        using var asPatient = SrsFlows.WithBearer(srs.Host, (await SrsFlows.SignInAsync(srs.Host, patient, SrsFlows.SrsScope)).AccessToken);
        using var asAdmin = SrsFlows.WithBearer(srs.Host, srs.AdminToken);

        (await asPatient.DeleteAsync($"/api/accounts/{researcher.UserId}/approval")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await asPatient.GetFromJsonAsync<JsonElement>($"/api/directory/users/{researcher.UserId}")).GetProperty("status").GetString().ShouldBe("active");

        await SrsFlows.ExpectAsync(await asAdmin.DeleteAsync($"/api/accounts/{researcher.UserId}/approval"), HttpStatusCode.NoContent);
        (await asPatient.GetFromJsonAsync<JsonElement>($"/api/directory/users/{researcher.UserId}")).GetProperty("status").GetString().ShouldBe("pending");

        var unknown = await asAdmin.DeleteAsync($"/api/accounts/{Guid.NewGuid()}/approval");
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        unknown.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    private async Task<SeSPHR.Srs.Tests.Infrastructure.TestUser> ApprovedAsync(string role, string fhirType)
    {
        var user = await SrsFlows.RegisterAsync(srs.Host.CreateClient(), SrsFixture.Unique(role[..3]), role, $"{fhirType}/{Guid.NewGuid():N}");
        using var asAdmin = SrsFlows.WithBearer(srs.Host, srs.AdminToken);
        await SrsFlows.ExpectAsync(await asAdmin.PostAsync($"/api/accounts/{user.UserId}/approval", null), HttpStatusCode.NoContent);
        return user;
    }
}
