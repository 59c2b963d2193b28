using System.Reflection;
using SeSPHR.Crypto.Passwords;

namespace SeSPHR.Crypto.Tests.Passwords;

public class PasswordKdfPolicyTests
{
    private static readonly byte[] Salt = new byte[PasswordKdfSettings.SaltSize];

    public static TheoryData<int, int, int> WeakerThanProductionMinimum => new()
    {
        { 19 * 1024, 2, 1 },    // OWASP's minimum for Argon2id
        { 46 * 1024, 1, 1 },    // OWASP's memory-heavy alternative
        { 32 * 1024, 3, 1 },    // half the memory
        { 64 * 1024, 2, 1 },    // one pass fewer
        { 64 * 1024 - 1, 3, 1 },
        { 1024 * 1024, 1, 1 },  // more memory never buys back passes
        { 0, 0, 0 },
    };

    public static TheoryData<int, int, int> AboveProductionMaximum => new()
    {
        { 1024 * 1024 + 1, 3, 1 },
        { 64 * 1024, 17, 1 },
        { 64 * 1024, 3, 4 },   // libsodium computes one lane only
        { int.MaxValue, int.MaxValue, int.MaxValue },
    };

    [Fact]
    public void Given_the_production_policy_When_reading_its_minimum_Then_it_is_well_above_OWASP_minimum()
    {
        var minimum = PasswordKdfPolicy.Production.Minimum;

        minimum.MemoryKiB.ShouldBeGreaterThanOrEqualTo(64 * 1024);
        minimum.Iterations.ShouldBeGreaterThanOrEqualTo(3);
        minimum.Parallelism.ShouldBe(1);
        minimum.IsAtLeast(new Argon2idParameters(19 * 1024, 2, 1)).ShouldBeTrue();
        PasswordKdfPolicy.Production.Accepts(PasswordKdfPolicy.Production.Recommended).ShouldBeTrue();
    }

    [Theory]
    [MemberData(nameof(WeakerThanProductionMinimum))]
    public void Given_server_proposed_parameters_below_the_production_minimum_When_deriving_Then_they_are_refused_before_the_password_is_used(int memoryKiB, int iterations, int parallelism)
    {
        var proposed = new PasswordKdfSettings(new Argon2idParameters(memoryKiB, iterations, parallelism), Salt);

        PasswordKdfPolicy.Production.Accepts(proposed.Parameters).ShouldBeFalse();
        var error = Should.Throw<PasswordKdfParametersRejectedException>(() => PasswordMasterKey.Derive("a password", "alice", proposed));
        error.Message.ShouldContain("weaker");
    }

    [Theory]
    [MemberData(nameof(AboveProductionMaximum))]
    public void Given_server_proposed_parameters_above_the_production_maximum_When_deriving_Then_they_are_refused(int memoryKiB, int iterations, int parallelism)
    {
        var proposed = new PasswordKdfSettings(new Argon2idParameters(memoryKiB, iterations, parallelism), Salt);

        Should.Throw<PasswordKdfParametersRejectedException>(() => PasswordMasterKey.Derive("a password", "alice", proposed));
    }

    [Fact]
    public void Given_parameters_stronger_than_the_minimum_When_checked_by_the_production_policy_Then_they_are_accepted()
    {
        PasswordKdfPolicy.Production.Accepts(new Argon2idParameters(128 * 1024, 4, 1)).ShouldBeTrue();
        PasswordKdfPolicy.Production.Accepts(PasswordKdfPolicy.Production.Maximum).ShouldBeTrue();
    }

    [Fact]
    public void Given_the_test_policy_When_parameters_fall_below_its_own_minimum_Then_they_are_refused_too()
    {
        var belowTestMinimum = new PasswordKdfSettings(new Argon2idParameters(32, 1, 1), Salt);

        Should.Throw<PasswordKdfParametersRejectedException>(() => TestPasswordPolicy.Derive("a password", "alice", belowTestMinimum));
        Should.Throw<PasswordKdfParametersRejectedException>(() => TestPasswordPolicy.Policy.EnsureAccepts(new Argon2idParameters(64, 0, 1)));
    }

    [Fact]
    public void Given_the_public_api_When_looking_for_a_way_to_build_a_weaker_policy_Then_there_is_none()
    {
        typeof(PasswordKdfPolicy).GetConstructors(BindingFlags.Public | BindingFlags.Instance).ShouldBeEmpty();
        typeof(PasswordKdfPolicy).GetProperties(BindingFlags.Public | BindingFlags.Instance).ShouldAllBe(p => !p.CanWrite);
    }

    [Fact]
    public void Given_recommended_parameters_outside_the_bounds_When_building_a_policy_Then_it_is_refused()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new PasswordKdfPolicy(
            TestPasswordPolicy.Recommended, TestPasswordPolicy.Minimum, TestPasswordPolicy.Maximum));
        Should.Throw<ArgumentOutOfRangeException>(() => new PasswordKdfPolicy(
            new Argon2idParameters(4, 1, 1), new Argon2idParameters(4, 1, 1), TestPasswordPolicy.Maximum));
    }

    [Fact]
    public void Given_fresh_settings_When_created_twice_Then_they_use_the_recommended_parameters_and_different_salts()
    {
        var a = PasswordKdfSettings.CreateNew();
        var b = PasswordKdfSettings.CreateNew();

        a.Parameters.ShouldBe(PasswordKdfPolicy.Production.Recommended);
        a.Salt.ToArray().ShouldNotBe(b.Salt.ToArray());
        a.Equals(b).ShouldBeFalse();
    }
}
