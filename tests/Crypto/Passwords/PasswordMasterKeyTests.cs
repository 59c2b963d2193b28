using SeSPHR.Crypto.Passwords;
using SeSPHR.Crypto.Primitives;

namespace SeSPHR.Crypto.Tests.Passwords;

public class PasswordMasterKeyTests
{
    private const string Password = "correct horse battery staple";

    private static byte[] AuthenticationSecret(string password, string userId, PasswordKdfSettings settings)
    {
        using var key = TestPasswordPolicy.Derive(password, userId, settings);
        using var secret = key.DeriveAuthenticationSecret();
        return secret.ToArray();
    }

    [Fact]
    public void Given_the_same_password_user_and_settings_When_deriving_twice_Then_the_authentication_secret_and_wrapping_key_repeat()
    {
        var settings = TestPasswordPolicy.NewSettings();
        using var first = TestPasswordPolicy.Derive(Password, "alice", settings);
        using var second = TestPasswordPolicy.Derive(Password, "alice", settings);

        using var auth1 = first.DeriveAuthenticationSecret();
        using var auth2 = second.DeriveAuthenticationSecret();
        using var wrap1 = first.DeriveWrappingKey();
        using var wrap2 = second.DeriveWrappingKey();

        auth1.FixedTimeEquals(auth2).ShouldBeTrue();
        wrap1.FixedTimeEquals(wrap2).ShouldBeTrue();
        auth1.Length.ShouldBe(PasswordMasterKey.AuthenticationSecretSize);
    }

    [Fact]
    public void Given_one_master_key_When_deriving_both_keys_Then_the_authentication_secret_differs_from_the_wrapping_key()
    {
        using var key = TestPasswordPolicy.Derive(Password, "alice", TestPasswordPolicy.NewSettings());

        using var auth = key.DeriveAuthenticationSecret();
        using var wrap = key.DeriveWrappingKey();

        auth.AsSpan().SequenceEqual(wrap.AsSpan()).ShouldBeFalse();
    }

    [Fact]
    public void Given_a_different_password_user_or_salt_When_deriving_Then_the_authentication_secret_changes()
    {
        var settings = TestPasswordPolicy.NewSettings();
        var baseline = AuthenticationSecret(Password, "alice", settings);

        AuthenticationSecret(Password + "!", "alice", settings).ShouldNotBe(baseline);
        AuthenticationSecret(Password, "bob", settings).ShouldNotBe(baseline);
        AuthenticationSecret(Password, "alice", TestPasswordPolicy.NewSettings()).ShouldNotBe(baseline);
        AuthenticationSecret(Password, "alice", new PasswordKdfSettings(TestPasswordPolicy.Maximum, settings.Salt)).ShouldNotBe(baseline);
    }

    [Fact]
    public void Given_a_server_that_hands_two_users_the_same_salt_When_they_pick_the_same_password_Then_their_secrets_still_differ()
    {
        var shared = TestPasswordPolicy.NewSettings();

        AuthenticationSecret(Password, "alice", shared).ShouldNotBe(AuthenticationSecret(Password, "bob", shared));
    }

    [Fact]
    public void Given_a_password_with_a_lone_surrogate_When_deriving_Then_it_is_refused_without_quoting_the_password()
    {
        var error = Should.Throw<ArgumentException>(() => TestPasswordPolicy.Derive("secret\uD800tail", "alice", TestPasswordPolicy.NewSettings()));

        error.Message.ShouldNotContain("secret");
        error.Message.ShouldNotContain("tail");
        error.Message.ShouldNotContain("D800", Case.Insensitive);
        error.InnerException.ShouldBeNull();
    }

    [Fact]
    public void Given_an_empty_password_or_user_id_When_deriving_Then_it_is_refused()
    {
        Should.Throw<ArgumentException>(() => TestPasswordPolicy.Derive("", "alice", TestPasswordPolicy.NewSettings()));
        Should.Throw<ArgumentException>(() => TestPasswordPolicy.Derive(Password, "", TestPasswordPolicy.NewSettings()));
    }

    [Fact]
    public void Given_a_master_key_When_printed_or_disposed_Then_it_shows_no_key_and_stops_deriving()
    {
        var key = TestPasswordPolicy.Derive(Password, "alice", TestPasswordPolicy.NewSettings());
        using var auth = key.DeriveAuthenticationSecret();

        key.ToString().ShouldNotContain(Convert.ToHexString(auth.AsSpan()), Case.Insensitive);
        key.ToString().ShouldContain("redacted");
        key.Dispose();
        Should.Throw<ObjectDisposedException>(() => key.DeriveAuthenticationSecret());
    }

    [Fact]
    public void Given_an_authentication_secret_When_printed_Then_its_bytes_stay_hidden()
    {
        using var key = TestPasswordPolicy.Derive(Password, "alice", TestPasswordPolicy.NewSettings());
        using SecretBytes auth = key.DeriveAuthenticationSecret();

        $"{auth}".ShouldNotContain(Convert.ToHexString(auth.AsSpan()[..4]), Case.Insensitive);
    }
}
