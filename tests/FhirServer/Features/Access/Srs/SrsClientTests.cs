using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SeSPHR.Crypto.Grants;
using SeSPHR.FhirServer.Features.Access.Consents;
using SeSPHR.FhirServer.Features.Access.Srs;
using SeSPHR.FhirServer.Tests.Infrastructure;
using SeSPHR.Phr.Sections;

namespace SeSPHR.FhirServer.Tests.Features.Access.Srs;

/// <summary>The FhirServer's SRS client against an SRS on loopback that speaks src/Srs/API.md.</summary>
public sealed class SrsClientTests : IAsyncLifetime
{
    private static readonly byte[] SecretCapsule = [0x02, 0xCA, 0xFE, 0xBA, 0xBE, 0x51, 0x5E, 0xC2, 0xE7];

    private FakeSrs _srs = null!;

    public async Task InitializeAsync() => _srs = await FakeSrs.StartAsync();

    public async Task DisposeAsync() => await _srs.DisposeAsync();

    [Fact]
    public async Task Given_capsules_When_reencrypted_Then_the_request_is_the_contracts_json_and_each_ref_gets_its_answer()
    {
        using var client = Client(_srs.BaseUrl);

        var results = await client.Gateway.ReencryptAsync("3f0c0000-0000-0000-0000-000000000001",
        [
            new CapsuleToReencrypt("Observation/o1#vitals", "Patient/p1", "vitals", 3, SecretCapsule),
            new CapsuleToReencrypt("Coverage/c1#insurance", "Patient/p1", "insurance", 1, [1, 2, 3]),
        ], CancellationToken.None);

        var (method, path, authorization, body) = _srs.ApiRequests.Single();
        method.ShouldBe("POST");
        path.ShouldBe("/api/reencrypt");
        authorization.ShouldBe("Bearer token-1");
        JsonNode.DeepEquals(JsonNode.Parse(body), JsonNode.Parse(
            """
            { "granteeId": "3f0c0000-0000-0000-0000-000000000001",
              "items": [ { "ref": "Observation/o1#vitals", "patient": "Patient/p1", "section": "vitals", "epoch": 3, "capsule": "Asr+ur5RXsLn" },
                         { "ref": "Coverage/c1#insurance", "patient": "Patient/p1", "section": "insurance", "epoch": 1, "capsule": "AQID" } ] }
            """)).ShouldBeTrue(body);
        results.Count.ShouldBe(2);
        results[0].ShouldBe(new ReencryptionResult("Observation/o1#vitals", [.. SecretCapsule.Reverse()], null), new ResultComparer());
        results[0].Until.ShouldBe(FakeSrs.VitalsUntil);
        results[1].Cfrag.ShouldBeNull();
        results[1].Refused.ShouldBe("no-grant");
        results[1].Until.ShouldBeNull();
    }

    [Fact]
    public async Task Given_a_token_When_several_calls_are_made_Then_the_token_is_fetched_once_with_the_service_scopes()
    {
        using var client = Client(_srs.BaseUrl);

        // Eight grantees: calls of one grantee would share SRS calls.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            client.Gateway.ReencryptAsync($"u{i}", [new CapsuleToReencrypt($"r{i}", "Patient/p1", "vitals", 1, [1])], CancellationToken.None)));
        await client.Reconciler.ReconcileAsync("Consent/c1", "Patient/p1", [], CancellationToken.None);

        _srs.TokensIssued.ShouldBe(1);
        var form = _srs.TokenRequests.Single();
        form["grant_type"].ShouldBe("client_credentials");
        form["client_id"].ShouldBe("sesphr-fhir");
        form["scope"].ShouldBe("srs.reencrypt srs.revoke");
        _srs.ApiRequests.Count.ShouldBe(9);
        _srs.ApiRequests.ShouldAllBe(request => request.Authorization == "Bearer token-1");
    }

    [Fact]
    public async Task Given_a_token_close_to_expiry_When_called_again_Then_a_new_token_is_fetched_before_the_old_one_lapses()
    {
        _srs.ExpiresIn = 2;
        using var client = Client(_srs.BaseUrl);

        await client.Reconciler.ReconcileAsync("c1", "Patient/p1", [], CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        await client.Reconciler.ReconcileAsync("c1", "Patient/p1", [], CancellationToken.None);

        _srs.TokensIssued.ShouldBe(2);
        _srs.ApiRequests.Select(request => request.Authorization).ShouldBe(["Bearer token-1", "Bearer token-2"]);
    }

    [Fact]
    public async Task Given_the_srs_revoked_the_token_When_called_Then_one_new_token_is_fetched_and_the_call_succeeds()
    {
        using var client = Client(_srs.BaseUrl);
        await client.Reconciler.ReconcileAsync("c1", "Patient/p1", [], CancellationToken.None);
        _srs.RevokeAllTokens();

        await client.Reconciler.ReconcileAsync("c1", "Patient/p1", [], CancellationToken.None);

        _srs.TokensIssued.ShouldBe(2);
        _srs.ApiRequests.Select(request => request.Authorization).ShouldBe(["Bearer token-1", "Bearer token-1", "Bearer token-2"]);
    }

    [Fact]
    public async Task Given_the_srs_refuses_every_token_When_called_Then_it_retries_once_only_and_reports_unavailable()
    {
        using var client = Client(_srs.BaseUrl);
        _srs.ForcedStatus = 401;

        await Should.ThrowAsync<SrsUnavailableException>(() =>
            client.Reconciler.ReconcileAsync("c1", "Patient/p1", [], CancellationToken.None));

        _srs.ApiRequests.Count.ShouldBe(2);
        _srs.TokensIssued.ShouldBe(2);
    }

    [Fact]
    public async Task Given_a_wrong_client_secret_When_called_Then_unavailable_and_the_secret_is_in_no_log_or_message()
    {
        using var client = Client(_srs.BaseUrl, secret: "the-wrong-secret-123");

        var failure = await Should.ThrowAsync<SrsUnavailableException>(() =>
            client.Gateway.ReencryptAsync("u1", [new CapsuleToReencrypt("r", "Patient/p1", "vitals", 1, SecretCapsule)], CancellationToken.None));

        _srs.ApiRequests.ShouldBeEmpty();
        failure.ToString().ShouldNotContain("the-wrong-secret-123");
        client.Logs.Lines.ShouldContain(line => line.Contains("contract error") && line.Contains("invalid_client"));
        client.Logs.Lines.ShouldAllBe(line => !line.Contains("the-wrong-secret-123") && !line.Contains("The client secret is wrong"));
    }

    [Fact]
    public async Task Given_no_srs_listening_When_reencrypting_Then_unavailable_within_a_second_and_nothing_asked_is_in_the_message()
    {
        using var client = Client(new Uri($"http://127.0.0.1:{FreePort()}"));
        var clock = Stopwatch.StartNew();

        var failure = await Should.ThrowAsync<SrsUnavailableException>(() =>
            client.Gateway.ReencryptAsync("u1", [new CapsuleToReencrypt("Observation/o1", "Patient/p1", "vitals", 1, SecretCapsule)], CancellationToken.None));

        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(1));
        failure.Message.ShouldNotContain("Patient/p1");
        failure.Message.ShouldNotContain(Convert.ToBase64String(SecretCapsule));
        client.Logs.Lines.ShouldContain(line => line.Contains("SRS unavailable"));
        client.Logs.Lines.ShouldAllBe(line => !line.Contains(Convert.ToBase64String(SecretCapsule)));
    }

    [Fact]
    public async Task Given_an_srs_that_hangs_When_reencrypting_Then_unavailable_after_the_timeout_not_later()
    {
        _srs.ApiDelay = TimeSpan.FromSeconds(3);
        using var client = Client(_srs.BaseUrl, timeout: "00:00:00.500");
        var clock = Stopwatch.StartNew();

        await Should.ThrowAsync<SrsUnavailableException>(() =>
            client.Gateway.ReencryptAsync("u1", [new CapsuleToReencrypt("r", "Patient/p1", "vitals", 1, [1])], CancellationToken.None));

        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task Given_the_caller_gives_up_When_reencrypting_Then_it_is_a_cancellation_not_an_outage()
    {
        _srs.ApiDelay = TimeSpan.FromSeconds(3);
        using var client = Client(_srs.BaseUrl);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Should.ThrowAsync<OperationCanceledException>(() =>
            client.Gateway.ReencryptAsync("u1", [new CapsuleToReencrypt("r", "Patient/p1", "vitals", 1, [1])], cancel.Token));
    }

    [Theory]
    [InlineData(500, "SRS unavailable")]
    [InlineData(503, "SRS unavailable")]
    [InlineData(400, "contract error")]
    [InlineData(403, "contract error")]
    [InlineData(404, "contract error")]
    public async Task Given_an_srs_error_status_When_reconciling_Then_unavailable_and_logged_by_kind(int status, string logged)
    {
        using var client = Client(_srs.BaseUrl);
        _srs.ForcedStatus = status;

        var failure = await Should.ThrowAsync<SrsUnavailableException>(() =>
            client.Reconciler.ReconcileAsync("c1", "Patient/p1", [Grant(ConsentGrantee.OfRole(UserRole.Researcher))], CancellationToken.None));

        failure.Message.ShouldContain(status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        failure.Message.ShouldNotContain("researcher");
        client.Logs.Lines.ShouldContain(line => line.Contains(logged) && line.Contains("grant reconciliation"));
    }

    [Fact]
    public async Task Given_2500_capsules_When_reencrypted_Then_three_calls_of_at_most_1000_and_answers_in_the_order_asked()
    {
        using var client = Client(_srs.BaseUrl);
        var items = Enumerable.Range(0, 2500)
            .Select(i => new CapsuleToReencrypt($"r{i}", "Patient/p1", "vitals", 1, BitConverter.GetBytes(i)))
            .ToList();

        var results = await client.Gateway.ReencryptAsync("u1", items, CancellationToken.None);

        _srs.ApiRequests.Select(request => JsonNode.Parse(request.Body)!["items"]!.AsArray().Count).ShouldBe([1000, 1000, 500]);
        results.Select(result => result.Ref).ShouldBe(items.Select(item => item.Ref));
        results[1234].Cfrag.ShouldBe(BitConverter.GetBytes(1234).Reverse().ToArray());
    }

    [Fact]
    public async Task Given_responses_of_one_grantee_arriving_while_a_call_is_on_its_way_Then_they_share_the_next_call_and_each_gets_its_own_answers()
    {
        using var client = Client(_srs.BaseUrl);
        await client.Gateway.ReencryptAsync("u1", [new CapsuleToReencrypt("0", "Patient/p1", "vitals", 1, [9])], CancellationToken.None); // the token
        _srs.ApiRequests.Clear();
        _srs.ApiDelay = TimeSpan.FromMilliseconds(400);
        static CapsuleToReencrypt Capsule(byte value) => new("0", "Patient/p1", "vitals", 1, [value, 0xAA]);

        var first = client.Gateway.ReencryptAsync("u1", [Capsule(1)], CancellationToken.None);
        await FirstCallAtTheSrsAsync();
        var joined = Enumerable.Range(2, 6).Select(value => client.Gateway.ReencryptAsync("u1", [Capsule((byte)value)], CancellationToken.None)).ToList();
        var otherGrantee = client.Gateway.ReencryptAsync("u2", [Capsule(8)], CancellationToken.None);
        await Task.WhenAll([first, otherGrantee, .. joined]);

        (await first).Single().Cfrag.ShouldBe([0xAA, 1]);
        for (var index = 0; index < joined.Count; index++)
        {
            var answer = (await joined[index]).Single();
            answer.Ref.ShouldBe("0");
            answer.Cfrag.ShouldBe([0xAA, (byte)(index + 2)]);
        }

        (await otherGrantee).Single().Cfrag.ShouldBe([0xAA, 8]);
        var calls = _srs.ApiRequests.Select(request => JsonNode.Parse(request.Body)!).ToList();
        calls.Count(call => call["granteeId"]!.GetValue<string>() == "u1").ShouldBe(2);
        calls.Single(call => call["granteeId"]!.GetValue<string>() == "u1" && call["items"]!.AsArray().Count > 1)["items"]!.AsArray().Count.ShouldBe(6);
        calls.Count(call => call["granteeId"]!.GetValue<string>() == "u2").ShouldBe(1);
    }

    [Fact]
    public async Task Given_responses_sharing_a_call_When_the_srs_fails_it_Then_every_one_of_them_is_unavailable()
    {
        using var client = Client(_srs.BaseUrl);
        await client.Gateway.ReencryptAsync("u1", [new CapsuleToReencrypt("0", "Patient/p1", "vitals", 1, [9])], CancellationToken.None); // the token
        _srs.ApiDelay = TimeSpan.FromMilliseconds(300);

        _srs.ApiRequests.Clear();
        _srs.ForcedStatus = 503;

        var first = client.Gateway.ReencryptAsync("u1", [new CapsuleToReencrypt("0", "Patient/p1", "vitals", 1, [1])], CancellationToken.None);
        await FirstCallAtTheSrsAsync();
        var joined = Enumerable.Range(0, 4).Select(_ => client.Gateway.ReencryptAsync("u1", [new CapsuleToReencrypt("0", "Patient/p1", "vitals", 1, [2])], CancellationToken.None)).ToList();

        await Should.ThrowAsync<SrsUnavailableException>(() => first);
        foreach (var answer in joined)
        {
            await Should.ThrowAsync<SrsUnavailableException>(() => answer);
        }

        _srs.ApiRequests.Count.ShouldBe(2);
    }

    /// <summary>
    /// Waits until the first call is at the SRS (which holds it for its delay), so the calls made next
    /// arrive while it is on its way: a fixed sleep is a time a loaded machine may not keep.
    /// </summary>
    private async Task FirstCallAtTheSrsAsync()
    {
        for (var waited = 0; _srs.ApiRequests.IsEmpty && waited < 500; waited++)
        {
            await Task.Delay(10);
        }

        _srs.ApiRequests.Count.ShouldBe(1, "the first call never reached the SRS");
    }

    [Fact]
    public async Task Given_no_capsules_When_reencrypted_Then_the_srs_is_not_called()
    {
        using var client = Client(_srs.BaseUrl);

        (await client.Gateway.ReencryptAsync("u1", [], CancellationToken.None)).ShouldBeEmpty();

        _srs.TokensIssued.ShouldBe(0);
    }

    [Fact]
    public async Task Given_grants_of_each_kind_When_reconciled_Then_the_body_is_the_contracts_json_and_the_path_holds_the_logical_id()
    {
        using var client = Client(_srs.BaseUrl);
        var fingerprint = KeyFingerprint.FromBytes(new byte[32]);
        var start = new DateTimeOffset(2026, 1, 1, 1, 0, 0, TimeSpan.FromHours(1));

        await client.Reconciler.ReconcileAsync("Consent/c1", "Patient/p1",
        [
            new ImpliedGrant(ConsentGrantee.User("Practitioner/doc", fingerprint), PhrSection.Vitals, GrantActions.Read, null, start, new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero)),
            new ImpliedGrant(ConsentGrantee.OfRole(UserRole.RelatedPerson), PhrSection.Medical, GrantActions.Read | GrantActions.Write, ["Condition"], null, null),
            new ImpliedGrant(ConsentGrantee.Everyone, PhrSection.Insurance, GrantActions.Write, null, start, null),
        ], CancellationToken.None);

        var (method, path, _, body) = _srs.ApiRequests.Single();
        method.ShouldBe("PUT");
        path.ShouldBe("/api/consents/c1/grants");
        JsonNode.DeepEquals(JsonNode.Parse(body), JsonNode.Parse(
            """
            { "patient": "Patient/p1",
              "grants": [
                { "granteeFhirUser": "Practitioner/doc", "role": null, "section": "vitals", "actions": ["read"],
                  "start": "2026-01-01T00:00:00+00:00", "end": "2027-01-01T00:00:00+00:00" },
                { "granteeFhirUser": null, "role": "related-person", "section": "medical", "actions": ["read", "write"],
                  "start": null, "end": null },
                { "granteeFhirUser": null, "role": null, "section": "insurance", "actions": ["write"],
                  "start": "2026-01-01T00:00:00+00:00", "end": null } ] }
            """)).ShouldBeTrue(body);
    }

    [Fact]
    public async Task Given_a_revoked_consent_When_reconciled_with_no_grants_Then_an_empty_grant_list_is_sent()
    {
        using var client = Client(_srs.BaseUrl);

        await client.Reconciler.ReconcileAsync("revoked", "Patient/p1", [], CancellationToken.None);

        JsonNode.DeepEquals(JsonNode.Parse(_srs.ApiRequests.Single().Body), JsonNode.Parse("""{ "patient": "Patient/p1", "grants": [] }""")).ShouldBeTrue();
        client.Logs.Lines.ShouldContain(line => line.Contains("3 deleted"));
    }

    [Fact]
    public async Task Given_no_base_url_configured_When_called_Then_unavailable_without_any_request()
    {
        using var client = Client(null);

        await Should.ThrowAsync<SrsUnavailableException>(() =>
            client.Reconciler.ReconcileAsync("c1", "Patient/p1", [], CancellationToken.None));
    }

    [Fact]
    public async Task Given_a_withdrawn_account_When_polled_Then_its_tokens_issued_until_the_withdrawal_are_refused_and_later_ones_pass()
    {
        using var client = Client(_srs.BaseUrl);
        var withdrawn = client.Withdrawn;
        var member = Guid.NewGuid();
        var withdrawnAt = DateTimeOffset.UtcNow;

        await withdrawn.RefreshAsync(CancellationToken.None);
        withdrawn.IsWithdrawn(member.ToString(), withdrawnAt.AddMinutes(-1)).ShouldBeFalse();

        _srs.Withdrawn[member] = withdrawnAt;
        await withdrawn.RefreshAsync(CancellationToken.None);
        withdrawn.IsWithdrawn(member.ToString(), withdrawnAt.AddMinutes(-1)).ShouldBeTrue();
        withdrawn.IsWithdrawn(member.ToString(), withdrawnAt).ShouldBeTrue();
        withdrawn.IsWithdrawn(member.ToString().ToUpperInvariant(), withdrawnAt.AddMinutes(-1)).ShouldBeTrue();
        withdrawn.IsWithdrawn(member.ToString(), null).ShouldBeTrue();
        withdrawn.IsWithdrawn(Guid.NewGuid().ToString(), withdrawnAt.AddMinutes(-1)).ShouldBeFalse();

        // Approved again while this server's list is one poll behind: the SRS issues no token to an
        // inactive account, so a token newer than the withdrawal is the member's new one and passes.
        withdrawn.IsWithdrawn(member.ToString(), withdrawnAt.AddSeconds(2)).ShouldBeFalse();

        _srs.ForcedStatus = 503;
        await Should.ThrowAsync<SrsUnavailableException>(() => withdrawn.RefreshAsync(CancellationToken.None));
        withdrawn.IsWithdrawn(member.ToString(), withdrawnAt.AddMinutes(-1)).ShouldBeTrue();

        _srs.ForcedStatus = null;
        _srs.Withdrawn.Clear();
        await withdrawn.RefreshAsync(CancellationToken.None);
        withdrawn.IsWithdrawn(member.ToString(), withdrawnAt.AddMinutes(-1)).ShouldBeFalse();
    }

    private static ImpliedGrant Grant(ConsentGrantee grantee) => new(grantee, PhrSection.Vitals, GrantActions.Read, null, null, null);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static SrsClient Client(Uri? baseUrl, string secret = FakeSrs.Secret, string timeout = "00:00:05")
    {
        var settings = new Dictionary<string, string?>
        {
            ["Fhir:Srs:BaseUrl"] = baseUrl?.ToString(),
            ["Fhir:Srs:ClientSecret"] = secret,
            ["Fhir:Srs:Timeout"] = timeout,
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var logs = new LogCapture();
        var services = new ServiceCollection()
            .AddSingleton(TimeProvider.System)
            .AddLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace))
            .AddSrsIntegration(configuration);
        return new SrsClient(services.BuildServiceProvider(), logs);
    }

    private sealed class SrsClient(ServiceProvider provider, LogCapture logs) : IDisposable
    {
        public IReencryptionGateway Gateway => provider.GetRequiredService<IReencryptionGateway>();

        public IGrantReconciler Reconciler => provider.GetRequiredService<IGrantReconciler>();

        public WithdrawnAccounts Withdrawn => provider.GetRequiredService<WithdrawnAccounts>();

        public LogCapture Logs => logs;

        public void Dispose() => provider.Dispose();
    }

    private sealed class ResultComparer : IEqualityComparer<ReencryptionResult>
    {
        public bool Equals(ReencryptionResult? x, ReencryptionResult? y) =>
            x is not null && y is not null && x.Ref == y.Ref && x.Refused == y.Refused
            && (x.Cfrag ?? []).AsSpan().SequenceEqual(y.Cfrag ?? []);

        public int GetHashCode(ReencryptionResult obj) => obj.Ref.GetHashCode(StringComparison.Ordinal);
    }
}
