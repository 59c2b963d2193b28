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

    [Fact]
    public async Task Given_a_stranger_imitating_the_patient_in_a_granted_role_When_the_patient_lists_pending_members_Then_username_fingerprint_and_registration_time_are_shown_and_the_fhirUser_is_marked_self_chosen()
    {
        var id = Guid.NewGuid().ToString("N");
        var patient = await SrsFlows.RegisterAsync(srs.Host.CreateClient(), SrsFixture.Unique("pat"), "patient", "Patient/" + id);
        using var asPatient = SrsFlows.WithBearer(srs.Host, (await SrsFlows.SignInAsync(srs.Host, patient, PatientScope)).AccessToken);
        using var asFhirServer = SrsFlows.WithBearer(srs.Host, (await SrsFlows.ReadTokenAsync(
            await SrsFlows.ClientSecretAsync(srs.Host.CreateClient(), "sesphr-fhir", SrsHost.FhirServiceSecret, "srs.revoke"))).AccessToken);
        var consent = "c" + Guid.NewGuid().ToString("N");
        await SrsFlows.ExpectAsync(await asFhirServer.PutAsJsonAsync($"/api/consents/{consent}/grants", new
        {
            patient = "Patient/" + id,
            grants = new[] { new { role = "related-person", section = "vitals", actions = new[] { "read" }, start = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O") } },
        }), HttpStatusCode.OK);
        var before = DateTimeOffset.UtcNow.AddSeconds(-5);
        var stranger = await SrsFlows.RegisterAsync(srs.Host.CreateClient(), SrsFixture.Unique("rel"), "related-person", "RelatedPerson/" + id);

        var pending = await asPatient.GetFromJsonAsync<JsonElement[]>("/api/grants/pending-members");

        var listed = pending!.Single(p => p.GetProperty("userId").GetGuid() == stranger.UserId);
        listed.GetProperty("username").GetString().ShouldBe(stranger.Username);
        listed.GetProperty("fingerprint").GetString().ShouldBe(stranger.Fingerprint);
        listed.GetProperty("registeredAt").GetDateTimeOffset().ShouldBeGreaterThan(before);
        listed.TryGetProperty("fhirUser", out _).ShouldBeFalse("the self-chosen fhirUser must not look like a checked one");
        var selfChosen = listed.GetProperty("selfChosen");
        selfChosen.GetProperty("fhirUser").GetString().ShouldBe("RelatedPerson/" + id);
        selfChosen.GetProperty("resemblesYours").GetBoolean().ShouldBeTrue();
    }

    private async Task<SeSPHR.Srs.Tests.Infrastructure.TestUser> ApprovedAsync(string role, string fhirType)
    {
        var user = await SrsFlows.RegisterAsync(srs.Host.CreateClient(), SrsFixture.Unique(role[..3]), role, $"{fhirType}/{Guid.NewGuid():N}");
        using var asAdmin = SrsFlows.WithBearer(srs.Host, srs.AdminToken);
        await SrsFlows.ExpectAsync(await asAdmin.PostAsync($"/api/accounts/{user.UserId}/approval", null), HttpStatusCode.NoContent);
        return user;
    }
}
