using SeSPHR.Crypto.Passwords;
using SeSPHR.Client.Accounts;

namespace SeSPHR.SystemTests.Sdk;

public sealed class UserKeysTests
{
    [Fact]
    public void Given_keys_wrapped_under_a_password_When_opened_with_it_on_a_new_device_Then_the_same_keys_come_back()
    {
        using var keys = UserKeys.CreateRandom();
        var settings = PasswordKdfSettings.CreateNew();
        byte[] blob;
        using (var masterKey = PasswordMasterKey.Derive("correct horse battery staple 42", "alice", settings))
        {
            blob = KeyBackup.Seal(masterKey, keys.ToBackupPayload());
        }

        using var payload = KeyBackup.Open(blob, "correct horse battery staple 42", "alice");
        using var restored = UserKeys.FromBackupPayload(payload.AsSpan());

        restored.Fingerprint.ShouldBe(keys.Fingerprint);
        restored.Sections.PublicKey("vitals", 4).ShouldBe(keys.Sections.PublicKey("vitals", 4));
    }

    [Fact]
    public void Given_a_backup_When_opened_with_another_password_Then_nothing_comes_back()
    {
        using var keys = UserKeys.CreateRandom();
        using var masterKey = PasswordMasterKey.Derive("correct horse battery staple 42", "alice", PasswordKdfSettings.CreateNew());
        var blob = KeyBackup.Seal(masterKey, keys.ToBackupPayload());

        Should.Throw<KeyBackupAuthenticationException>(() => KeyBackup.Open(blob, "correct horse battery staple 43", "alice"));
    }

    [Fact]
    public void Given_two_users_When_keys_are_made_Then_nothing_is_shared_and_nothing_prints()
    {
        using var first = UserKeys.CreateRandom();
        using var second = UserKeys.CreateRandom();

        first.Fingerprint.ShouldNotBe(second.Fingerprint);
        first.Sections.PublicKey("medical", 1).ShouldNotBe(second.Sections.PublicKey("medical", 1));
        first.ToString().ShouldContain("redacted");
        first.ToString().ShouldNotContain(Convert.ToHexStringLower(first.ToBackupPayload()[5..37]));
    }

    [Fact]
    public void Given_bytes_that_are_not_a_key_payload_When_read_Then_they_are_refused()
    {
        Should.Throw<FormatException>(() => UserKeys.FromBackupPayload(new byte[101]));
    }
}
