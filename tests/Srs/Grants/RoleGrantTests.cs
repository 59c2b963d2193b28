using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SeSPHR.Srs.Features.Accounts;
using SeSPHR.Srs.Features.Grants;

namespace SeSPHR.Srs.Tests.Grants;

/// <summary>
/// Role grants at the SRS: a Consent granting a role lets the patient's client see who joined the
/// role without a kfrag of theirs (pending members), the SRS re-encrypts nothing for a pending member,
/// and a member leaving the role (suspended, approval withdrawn) loses every kfrag at once.
/// </summary>
public sealed class RoleGrantTests : IClassFixture<GrantsDatabase>, IAsyncDisposable
{
    private const string Role = "researcher";
    private readonly GrantsTestBed _bed;
    private readonly TestUser _patient;

    public RoleGrantTests(GrantsDatabase fixture)
    {
        _bed = new GrantsTestBed(fixture.Database);
        _patient = _bed.Patient();
    }

    public async ValueTask DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public async Task Given_a_role_grant_with_one_approved_member_When_another_joins_Then_only_the_newcomer_is_pending_with_their_directory_keys()
    {
        var approved = Researcher();
        await GrantRoleAsync("Consent/r1", [approved]);
        var newcomer = Researcher();

        var pending = Mine(await PendingAsync(_patient), approved, newcomer);

        var entry = pending.ShouldHaveSingleItem();
        entry.UserId.ShouldBe(newcomer.Id);
        entry.ConsentId.ShouldBe("Consent/r1");
        entry.Role.ShouldBe(Role);
        entry.Sections.ShouldBe(["vitals"]);
        entry.Fingerprint.ShouldBe(newcomer.Entry.Fingerprint);
        entry.UmbralPublicKey.ShouldBe(Convert.ToBase64String(newcomer.Entry.UmbralPublicKey));
        entry.SigningPublicKey.ShouldBe(Convert.ToBase64String(newcomer.Entry.SigningPublicKey));
    }

    [Fact]
    public async Task Given_a_pending_member_When_reencryption_is_asked_for_them_Then_no_grant_and_after_approval_a_cfrag_that_opens_the_old_capsule()
    {
        var approved = Researcher();
        await GrantRoleAsync("Consent/r2", [approved]);
        var newcomer = Researcher();
        var (capsule, ciphertext) = _bed.Encrypt(_patient, "vitals", 0, [7, 7, 7]);
        var item = new CapsuleRequest("o1", _patient.Entry.FhirUser, "vitals", 0, capsule.ToBytes());

        (await _bed.ReencryptAsync(newcomer, item)).Single().Refused.ShouldBe(ReencryptionOutcomes.NoGrant);
        (await _bed.ReencryptAsync(approved, item)).Single().Cfrag.ShouldNotBeNull();

        await GrantRoleAsync("Consent/r2", [approved, newcomer], number: 2);

        Mine(await PendingAsync(_patient), approved, newcomer).ShouldBeEmpty();
        var cfrag = (await _bed.ReencryptAsync(newcomer, item)).Single().Cfrag.ShouldNotBeNull();
        _bed.OpenAsGrantee(_patient, newcomer, "vitals", 0, capsule, ciphertext, cfrag).ShouldBe(new byte[] { 7, 7, 7 });
    }

    [Fact]
    public async Task Given_pending_members_When_another_patient_asks_Then_they_see_none_of_them()
    {
        await GrantRoleAsync("Consent/r3", [Researcher()]);
        var newcomer = Researcher();
        var stranger = _bed.Patient();

        (await PendingAsync(stranger)).ShouldBeEmpty();
        (await PendingAsync(_patient)).ShouldContain(p => p.UserId == newcomer.Id);
    }

    [Fact]
    public async Task Given_members_who_are_not_active_When_listed_Then_they_are_not_pending()
    {
        var approved = Researcher();
        await GrantRoleAsync("Consent/r4", [approved]);
        var waiting = _bed.Register(Role, "Practitioner", AccountStatus.Pending);
        var suspended = _bed.Register(Role, "Practitioner", AccountStatus.Suspended);

        var pending = await PendingAsync(_patient);

        pending.ShouldNotContain(p => p.UserId == waiting.Id || p.UserId == suspended.Id || p.UserId == _patient.Id);
    }

    [Fact]
    public async Task Given_a_role_grant_revoked_or_ended_When_listed_Then_it_has_no_pending_members()
    {
        var approved = Researcher();
        await GrantRoleAsync("Consent/r5", [approved]);
        await GrantRoleAsync("Consent/r6", [approved], number: 2, end: GrantsTestBed.Start.AddDays(1));
        var newcomer = Researcher();
        (await PendingAsync(_patient)).Where(p => p.UserId == newcomer.Id).Select(p => p.ConsentId).Order().ShouldBe(["Consent/r5", "Consent/r6"]);

        await _bed.ReconcileAsync("Consent/r5", _patient);
        _bed.Clock.Advance(TimeSpan.FromDays(2));

        (await PendingAsync(_patient)).ShouldNotContain(p => p.UserId == newcomer.Id);
    }

    [Theory]
    [InlineData(AccountStatus.Suspended)]
    [InlineData(AccountStatus.Pending)]
    public async Task Given_an_approved_member_When_they_leave_Then_their_kfrags_are_gone_and_reencryption_refused(AccountStatus leftAs)
    {
        var member = Researcher();
        var stays = Researcher();
        await GrantRoleAsync("Consent/r7", [member, stays]);
        var (capsule, _) = _bed.Encrypt(_patient, "vitals", 0, [1]);
        var item = new CapsuleRequest("o1", _patient.Entry.FhirUser, "vitals", 0, capsule.ToBytes());
        (await _bed.ReencryptAsync(member, item)).Single().Cfrag.ShouldNotBeNull();

        await using (var scope = _bed.Services.CreateAsyncScope())
        {
            (await scope.ServiceProvider.GetRequiredService<MemberDeparture>().LeaveAsync(member.Id, leftAs, CancellationToken.None)).ShouldBeTrue();
        }

        (await _bed.ListAsync(_patient, "Consent/r7")).ShouldNotContain(k => k.GranteeId == member.Id);
        (await _bed.ListAsync(_patient, "Consent/r7")).ShouldContain(k => k.GranteeId == stays.Id);
        (await _bed.ReencryptAsync(member, item)).Single().Refused.ShouldBe(ReencryptionOutcomes.NoGrant);
        (await _bed.ReencryptAsync(stays, item)).Single().Cfrag.ShouldNotBeNull();
    }

    [Fact]
    public async Task Given_a_kfrag_uploaded_while_its_member_was_leaving_When_the_Consent_is_reconciled_Then_it_is_deleted_not_activated()
    {
        var member = Researcher();
        var statement = _bed.Statement(_patient, 1, [("vitals", 0)], [(member, "vitals", null)]);
        (await _bed.UploadAsync(_patient, "Consent/r10", statement, _bed.Kfrag(_patient, member, "vitals", 0))).Refusal.ShouldBeNull();
        _bed.Directory.Put(member.Entry with { Status = AccountStatus.Suspended });

        var result = await _bed.ReconcileAsync("Consent/r10", _patient, new ConsentGrant(null, Role, "vitals", true, null, null));

        result.Active.ShouldBe(0);
        (await _bed.ListAsync(_patient, "Consent/r10")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Given_an_unknown_user_When_they_leave_Then_nothing_happens()
    {
        await using var scope = _bed.Services.CreateAsyncScope();
        (await scope.ServiceProvider.GetRequiredService<MemberDeparture>().LeaveAsync(Guid.NewGuid(), AccountStatus.Suspended, CancellationToken.None)).ShouldBeFalse();
    }

    [Theory]
    [InlineData("Consent/has space")]
    [InlineData("../r1")]
    [InlineData("Patient/p1")]
    public async Task Given_a_malformed_consent_filter_When_listed_Then_problem_json_400(string consentId)
    {
        var (status, contentType, body) = await PendingEndpointAsync(_patient, consentId);

        status.ShouldBe(StatusCodes.Status400BadRequest);
        contentType.ShouldStartWith("application/problem+json");
        body.GetProperty("title").GetString().ShouldNotBeNull().ShouldContain("consentId");
    }

    [Fact]
    public async Task Given_a_consent_filter_When_listed_Then_only_that_Consents_pending_members()
    {
        var approved = Researcher();
        await GrantRoleAsync("Consent/r8", [approved]);
        await GrantRoleAsync("Consent/r9", [approved], number: 2);
        var newcomer = Researcher();

        var (status, _, body) = await PendingEndpointAsync(_patient, "r9");

        status.ShouldBe(StatusCodes.Status200OK);
        var listed = body.EnumerateArray().Where(e => e.GetProperty("userId").GetGuid() == newcomer.Id).ToList();
        listed.ShouldHaveSingleItem().GetProperty("consentId").GetString().ShouldBe("Consent/r9");
    }

    [Fact]
    public async Task Given_a_token_without_a_user_When_listed_Then_problem_json_403()
    {
        await using var scope = _bed.Services.CreateAsyncScope();
        var result = await GrantEndpoints.PendingMembersAsync(null, scope.ServiceProvider.GetRequiredService<PendingMembers>(),
            new ClaimsPrincipal(new ClaimsIdentity([new Claim("client_id", "sesphr-fhir")], "test")), CancellationToken.None);
        var (status, contentType, _) = await ExecuteAsync(result, scope.ServiceProvider);

        status.ShouldBe(StatusCodes.Status403Forbidden);
        contentType.ShouldStartWith("application/problem+json");
    }

    private TestUser Researcher() => _bed.Register(Role, "Practitioner");

    // Other tests of the class share the database and the role; keep to the members this test made.
    private static List<PendingMemberResponse> Mine(IReadOnlyList<PendingMemberResponse> pending, params TestUser[] members) =>
        [.. pending.Where(p => members.Any(m => m.Id == p.UserId))];

    /// <summary>What the patient's client does: a statement naming each approved member, their kfrags, then the FhirServer's reconcile of the role Consent.</summary>
    private async Task GrantRoleAsync(string consentId, IReadOnlyList<TestUser> members, long number = 1, DateTimeOffset? end = null)
    {
        var statement = _bed.Statement(_patient, number, [("vitals", 0)], members.Select(m => (m, "vitals", end)));
        (await _bed.UploadAsync(_patient, consentId, statement, [.. members.Select(m => _bed.Kfrag(_patient, m, "vitals", 0, end))])).Refusal.ShouldBeNull();
        await _bed.ReconcileAsync(consentId, _patient, new ConsentGrant(null, Role, "vitals", true, null, end));
    }

    private async Task<IReadOnlyList<PendingMemberResponse>> PendingAsync(TestUser patient)
    {
        await using var scope = _bed.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PendingMembers>().ListAsync(patient.Id, null, CancellationToken.None);
    }

    private async Task<(int Status, string ContentType, JsonElement Body)> PendingEndpointAsync(TestUser patient, string? consentId)
    {
        await using var scope = _bed.Services.CreateAsyncScope();
        var result = await GrantEndpoints.PendingMembersAsync(consentId, scope.ServiceProvider.GetRequiredService<PendingMembers>(),
            new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", patient.Id.ToString())], "test")), CancellationToken.None);
        return await ExecuteAsync(result, scope.ServiceProvider);
    }

    private static async Task<(int Status, string ContentType, JsonElement Body)> ExecuteAsync(IResult result, IServiceProvider services)
    {
        var context = new DefaultHttpContext { RequestServices = services };
        using var body = new MemoryStream();
        context.Response.Body = body;
        await result.ExecuteAsync(context);
        body.Position = 0;
        using var json = await JsonDocument.ParseAsync(body);
        return (context.Response.StatusCode, context.Response.ContentType ?? "", json.RootElement.Clone());
    }
}
