using Microsoft.Extensions.Options;
using SeSPHR.FhirServer.Features.Access.Srs;

namespace SeSPHR.FhirServer.Tests.Features.Access.Srs;

/// <summary>What the FhirServer replays of the SRS's answers: only to the same grantee, for the same capsule, under the same Consents, within the kfrag's period.</summary>
public sealed class IssuedCfragsTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Cfrag = [1, 2, 3];
    private static readonly CapsuleToReencrypt Capsule = new("0", "Patient/pat", "vitals", 3, [9, 8, 7, 6]);

    [Fact]
    public void A_kept_cfrag_is_found_for_the_same_grantee_capsule_and_Consents_only()
    {
        var (issued, _) = Create();
        issued.Keep("doctor", "1:1:t", Capsule, Cfrag, until: null);

        issued.Find("doctor", "1:1:t", Capsule with { Ref = "other-ref" }).ShouldBe(Cfrag);
        issued.Find("nurse", "1:1:t", Capsule).ShouldBeNull();
        issued.Find("doctor", "2:3:t", Capsule).ShouldBeNull();
        issued.Find("doctor", "1:1:t", Capsule with { Capsule = [9, 8, 7, 5] }).ShouldBeNull();
        issued.Find("doctor", "1:1:t", Capsule with { Epoch = 4 }).ShouldBeNull();
        issued.Find("doctor", "1:1:t", Capsule with { Section = "medical" }).ShouldBeNull();
        issued.Find("doctor", "1:1:t", Capsule with { Patient = "Patient/other" }).ShouldBeNull();
    }

    [Fact]
    public void A_cfrag_is_not_replayed_once_its_kfrag_period_ends()
    {
        var (issued, clock) = Create();
        issued.Keep("doctor", "s", Capsule, Cfrag, until: Start.AddMinutes(1));
        clock.Now = Start.AddSeconds(59);
        issued.Find("doctor", "s", Capsule).ShouldBe(Cfrag);
        clock.Now = Start.AddMinutes(1);
        issued.Find("doctor", "s", Capsule).ShouldBeNull();
    }

    [Fact]
    public void A_cfrag_is_not_replayed_past_the_maximum_age_even_without_a_period_end()
    {
        var (issued, clock) = Create(maxAge: TimeSpan.FromMinutes(10));
        issued.Keep("doctor", "s", Capsule, Cfrag, until: null);
        clock.Now = Start.AddMinutes(10);
        issued.Find("doctor", "s", Capsule).ShouldBeNull();
    }

    [Fact]
    public void A_cfrag_whose_period_already_ended_is_not_kept()
    {
        var (issued, _) = Create();
        issued.Keep("doctor", "s", Capsule, Cfrag, until: Start);
        issued.Find("doctor", "s", Capsule).ShouldBeNull();
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(100, 0)]
    public void Replay_is_off_with_no_entries_or_no_age(int entries, int maxAgeMinutes)
    {
        var (issued, _) = Create(TimeSpan.FromMinutes(maxAgeMinutes), entries);
        issued.Keep("doctor", "s", Capsule, Cfrag, until: null);
        issued.Find("doctor", "s", Capsule).ShouldBeNull();
    }

    private static (IssuedCfrags Issued, Clock Clock) Create(TimeSpan? maxAge = null, int entries = 100)
    {
        var clock = new Clock { Now = Start };
        var options = Options.Create(new SrsOptions { IssuedCfragEntries = entries, IssuedCfragMaxAge = maxAge ?? TimeSpan.FromMinutes(10) });
        return (new IssuedCfrags(options, clock), clock);
    }

    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
