using System.Net;
using SeSPHR.Client.Accounts;
using SeSPHR.SystemTests.Infrastructure;

namespace SeSPHR.SystemTests.Scenarios;

/// <summary>
/// An admin suspends a member who still holds an unexpired access token: the FhirServer checks
/// tokens offline, so it learns of the suspension from the SRS's withdrawn-account list (polled
/// every second in this harness) and must refuse that token long before it would expire.
/// </summary>
[Collection(RunningSystemGroup.Name)]
public sealed class SuspensionTests(SesphrSystem system)
{
    [Fact]
    public async System.Threading.Tasks.Task Given_a_signed_in_doctor_When_an_admin_suspends_them_Then_their_unexpired_token_is_refused_within_seconds_and_works_again_after_approval()
    {
        using var doctor = await system.NewMemberAsync("suspended-doctor", SrsRoles.Practitioner);
        (await doctor.Fhir.SearchAsync("Organization", "_count=1")).Status.ShouldBe(HttpStatusCode.OK);

        await system.Admin.RenewIfExpiringAsync();
        await system.Admin.Srs.SuspendAsync(doctor.RequireUserId, await system.Admin.GetSrsAccessTokenAsync());

        var refused = await StatusWithinAsync(doctor, HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(15));
        refused.Status.ShouldBe(HttpStatusCode.Unauthorized);
        refused.Body.ShouldContain("suspended");

        await system.Admin.RenewIfExpiringAsync();
        await system.Admin.Srs.ApproveAsync(doctor.RequireUserId, await system.Admin.GetSrsAccessTokenAsync());
        (await StatusWithinAsync(doctor, HttpStatusCode.OK, TimeSpan.FromSeconds(15))).Status.ShouldBe(HttpStatusCode.OK);
    }

    private static async System.Threading.Tasks.Task<SeSPHR.Client.Fhir.FhirResponse> StatusWithinAsync(PhrUser user, HttpStatusCode wanted, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var response = await user.Fhir.SearchAsync("Organization", "_count=1");
            if (response.Status == wanted || DateTime.UtcNow > deadline)
            {
                return response;
            }

            await System.Threading.Tasks.Task.Delay(250);
        }
    }
}
