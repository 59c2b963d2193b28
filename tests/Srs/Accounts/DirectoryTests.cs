using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SeSPHR.Srs.Tests.Infrastructure;

namespace SeSPHR.Srs.Tests.Accounts;

/// <summary>
/// The key directory finds a user by the exact username or <c>fhirUser</c> someone typed; only
/// professional roles can be listed by role, and patients and related persons only by an admin, so
/// no account can enumerate the patients.
/// </summary>
public sealed class DirectoryTests(SrsFixture srs) : IClassFixture<SrsFixture>
{
    private readonly HttpClient _http = srs.Host.CreateClient();

    public static TheoryData<string, string, HttpStatusCode> Listings() => new()
    {
        { "patient", "patient", HttpStatusCode.Forbidden },
        { "patient", "related-person", HttpStatusCode.Forbidden },
        { "patient", "practitioner", HttpStatusCode.OK },
        { "patient", "insurer", HttpStatusCode.OK },
        { "related-person", "patient", HttpStatusCode.Forbidden },
        { "related-person", "related-person", HttpStatusCode.Forbidden },
        { "related-person", "pharmacist", HttpStatusCode.OK },
        { "practitioner", "patient", HttpStatusCode.Forbidden },
        { "practitioner", "researcher", HttpStatusCode.OK },
        { "insurer", "patient", HttpStatusCode.Forbidden },
        { "admin", "patient", HttpStatusCode.OK },
        { "admin", "related-person", HttpStatusCode.OK },
    };

    [Theory]
    [MemberData(nameof(Listings))]
    public async Task Given_a_caller_of_a_role_When_they_list_a_role_Then_only_professional_roles_or_an_admin_get_a_list(string callerRole, string listed, HttpStatusCode expected)
    {
        var listedUser = await RegisterAsync(listed);
        using var caller = await SignedInAsync(callerRole);

        var response = await caller.GetAsync($"/api/directory?role={listed}");

        response.StatusCode.ShouldBe(expected, await response.Content.ReadAsStringAsync());
        if (expected == HttpStatusCode.OK)
            (await response.Content.ReadFromJsonAsync<JsonElement[]>())!.ShouldContain(e => e.GetProperty("userId").GetGuid() == listedUser.UserId);
        else
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Theory]
    [InlineData("patient")]
    [InlineData("related-person")]
    [InlineData("practitioner")]
    public async Task Given_the_exact_username_or_fhirUser_of_a_patient_When_a_signed_in_user_looks_it_up_Then_that_one_entry_is_found(string callerRole)
    {
        var patient = await RegisterAsync("patient");
        using var caller = await SignedInAsync(callerRole);

        var byUsername = await caller.GetFromJsonAsync<JsonElement[]>($"/api/directory?username={patient.Username}");
        var byFhirUser = await caller.GetFromJsonAsync<JsonElement[]>($"/api/directory?fhirUser={patient.FhirUser}");
        var byPrefix = await caller.GetFromJsonAsync<JsonElement[]>($"/api/directory?username={patient.Username[..^2]}");

        byUsername.ShouldHaveSingleItem().GetProperty("userId").GetGuid().ShouldBe(patient.UserId);
        byFhirUser.ShouldHaveSingleItem().GetProperty("userId").GetGuid().ShouldBe(patient.UserId);
        byPrefix.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("")]
    [InlineData("?role=nurse")]
    [InlineData("?role=practitioner&username=x")]
    public async Task Given_no_single_known_criterion_When_the_directory_is_searched_Then_400(string query)
    {
        using var caller = await SignedInAsync("patient");

        var response = await caller.GetAsync("/api/directory" + query);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    private async Task<TestUser> RegisterAsync(string role)
    {
        var name = SrsFixture.Unique(role[..3]);
        var type = role switch
        {
            "patient" => "Patient",
            "related-person" => "RelatedPerson",
            "insurer" => "Organization",
            _ => "Practitioner",
        };
        var user = await SrsFlows.RegisterAsync(_http, name, role, $"{type}/{name}");
        if (user.Status == "pending")
        {
            using var asAdmin = SrsFlows.WithBearer(srs.Host, srs.AdminToken);
            await SrsFlows.ExpectAsync(await asAdmin.PostAsync($"/api/accounts/{user.UserId}/approval", null), HttpStatusCode.NoContent);
        }

        return user;
    }

    private async Task<HttpClient> SignedInAsync(string role) =>
        role == "admin"
            ? SrsFlows.WithBearer(srs.Host, srs.AdminToken)
            : SrsFlows.WithBearer(srs.Host, (await SrsFlows.SignInAsync(srs.Host, await RegisterAsync(role), "openid srs.account")).AccessToken);
}
