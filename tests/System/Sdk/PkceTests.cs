using SeSPHR.Client.Accounts;

namespace SeSPHR.SystemTests.Sdk;

public sealed class PkceTests
{
    [Fact]
    public void Given_the_RFC_verifier_When_hashed_Then_the_challenge_is_the_RFC_one()
    {
        // RFC 7636 Appendix B, example for the S256 code_challenge_method.
        Pkce.ChallengeOf("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").ShouldBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    [Fact]
    public void Given_two_logins_When_each_makes_a_verifier_Then_they_differ_and_fit_the_RFC_length()
    {
        var first = Pkce.Create();
        var second = Pkce.Create();

        first.Verifier.ShouldNotBe(second.Verifier);
        first.Verifier.Length.ShouldBeInRange(43, 128);
        first.Challenge.ShouldBe(Pkce.ChallengeOf(first.Verifier));
    }
}
