using System.Net;
using SeSPHR.Srs.Tests.Infrastructure;

namespace SeSPHR.Srs.Tests.Security;

/// <summary>
/// Sign-in throttling with the SRS's default settings: a stranger who guesses at a user's secret is
/// slowed per (username, address) pair, and the owner signing in from their own address is never
/// shut out by it.
/// </summary>
public sealed class SignInThrottleTests
{
    private static readonly byte[] WrongSecret = new byte[32];

    [Fact]
    public async Task Given_an_attacker_who_failed_many_times_for_alice_from_one_address_When_alice_signs_in_from_hers_Then_she_is_signed_in_and_the_attacker_waits()
    {
        await using var srs = await OwnSrs.StartAsync("srs-signin", new Dictionary<string, string?>());
        var alice = await RegisterAsync(srs.Host, "alice");
        using var attacker = srs.Host.ClientAt("127.0.0.2");

        var guesses = new List<HttpResponseMessage>();
        for (var i = 0; i < 12; i++)
            guesses.Add(await SrsFlows.LoginAsync(attacker, alice.Username, WrongSecret));

        guesses.Take(3).ShouldAllBe(r => r.StatusCode == HttpStatusCode.Unauthorized);
        var refused = guesses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        refused.Count.ShouldBeGreaterThan(6);
        refused.ShouldAllBe(r => r.Headers.RetryAfter != null);
        using var owner = srs.Host.ClientAt("127.0.0.1", srs.Host.Browser());
        (await SrsFlows.LoginAsync(owner, alice.Username, alice.AuthSecret)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task Given_attackers_from_many_addresses_over_the_username_ceiling_When_alice_signs_in_from_a_new_address_Then_her_first_attempt_succeeds()
    {
        await using var srs = await OwnSrs.StartAsync("srs-signin-many", new Dictionary<string, string?>());
        var alice = await RegisterAsync(srs.Host, "alice");

        for (var address = 1; address <= 20; address++)
        {
            using var attacker = srs.Host.ClientAt($"10.0.0.{address}");
            for (var i = 0; i < 3; i++)
                await SrsFlows.LoginAsync(attacker, alice.Username, WrongSecret);
        }

        // Past the ceiling a new attacker address has no free attempts: its second guess waits.
        using var late = srs.Host.ClientAt("10.0.1.1");
        (await SrsFlows.LoginAsync(late, alice.Username, WrongSecret)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await SrsFlows.LoginAsync(late, alice.Username, WrongSecret)).StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        using var owner = srs.Host.ClientAt("192.0.2.7", srs.Host.Browser());
        (await SrsFlows.LoginAsync(owner, alice.Username, alice.AuthSecret)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task Given_a_user_who_mistyped_twice_When_they_then_sign_in_Then_the_pair_starts_afresh()
    {
        await using var srs = await OwnSrs.StartAsync("srs-signin-reset", new Dictionary<string, string?>());
        var bob = await RegisterAsync(srs.Host, "bob");
        using var browser = srs.Host.ClientAt("127.0.0.3", srs.Host.Browser());

        for (var round = 0; round < 3; round++)
        {
            (await SrsFlows.LoginAsync(browser, bob.Username, WrongSecret)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            (await SrsFlows.LoginAsync(browser, bob.Username, WrongSecret)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            (await SrsFlows.LoginAsync(browser, bob.Username, bob.AuthSecret)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }
    }

    private static Task<TestUser> RegisterAsync(SrsHost host, string username) =>
        SrsFlows.RegisterAsync(host.CreateClient(), username, "patient", "Patient/" + username);
}
