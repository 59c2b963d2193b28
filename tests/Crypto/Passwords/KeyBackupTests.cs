using System.Security.Cryptography;
using SeSPHR.Crypto.Passwords;

namespace SeSPHR.Crypto.Tests.Passwords;

public class KeyBackupTests
{
    private const string Password = "correct horse battery staple";

    /// <summary>Stands in for an Umbral secret key, a signing key and a master secret.</summary>
    private static readonly byte[] SecretKeys = [.. Enumerable.Range(0, 96).Select(i => (byte)(i * 37 + 11))];

    private static byte[] SealFor(string userId, string password = Password, byte[]? secretKeys = null)
    {
        using var key = TestPasswordPolicy.Derive(password, userId, TestPasswordPolicy.NewSettings());
        return KeyBackup.Seal(key, secretKeys ?? SecretKeys);
    }

    private static byte[] OpenAs(byte[] blob, string userId, string password = Password)
    {
        using var opened = KeyBackup.Open(blob, password, userId, TestPasswordPolicy.Policy);
        return opened.ToArray();
    }

    [Fact]
    public void Given_a_sealed_backup_When_opened_with_the_password_Then_the_secret_keys_come_back()
    {
        var blob = SealFor("alice");

        OpenAs(blob, "alice").ShouldBe(SecretKeys);
        blob.Length.ShouldBe(KeyBackup.HeaderSize + SecretKeys.Length + 16);
        blob.AsSpan(0, 4).SequenceEqual(KeyBackup.Magic).ShouldBeTrue();
        blob[4].ShouldBe(KeyBackup.FormatVersion);
    }

    [Fact]
    public void Given_a_master_key_from_login_When_opening_the_backup_Then_no_second_stretch_is_needed()
    {
        var settings = TestPasswordPolicy.NewSettings();
        using var atRegistration = TestPasswordPolicy.Derive(Password, "alice", settings);
        var blob = KeyBackup.Seal(atRegistration, SecretKeys);
        using var atLogin = TestPasswordPolicy.Derive(Password, "alice", KeyBackup.ReadSettings(blob));

        using var opened = KeyBackup.Open(blob, atLogin);

        opened.ToArray().ShouldBe(SecretKeys);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4096)]
    public void Given_secret_keys_of_any_length_When_sealed_and_opened_Then_they_round_trip(int length)
    {
        var secretKeys = RandomNumberGenerator.GetBytes(length);

        OpenAs(SealFor("alice", secretKeys: secretKeys), "alice").ShouldBe(secretKeys);
    }

    [Fact]
    public void Given_one_backup_sealed_twice_When_comparing_Then_the_nonces_differ()
    {
        var settings = TestPasswordPolicy.NewSettings();
        using var key = TestPasswordPolicy.Derive(Password, "alice", settings);

        KeyBackup.Seal(key, SecretKeys).ShouldNotBe(KeyBackup.Seal(key, SecretKeys));
    }

    [Fact]
    public void Given_a_backup_When_opened_with_a_wrong_password_Then_a_typed_authentication_error_is_raised()
    {
        var blob = SealFor("alice");

        var error = Should.Throw<KeyBackupAuthenticationException>(() => OpenAs(blob, "alice", "correct horse battery stapler"));

        error.Message.ShouldNotContain("staple");
    }

    [Fact]
    public void Given_a_backup_for_user_A_When_opened_as_user_B_with_the_same_password_Then_it_fails()
    {
        var blob = SealFor("alice");

        Should.Throw<KeyBackupAuthenticationException>(() => OpenAs(blob, "bob"));
    }

    [Fact]
    public void Given_a_backup_for_user_A_When_opened_with_user_Bs_master_key_on_the_same_settings_Then_it_fails()
    {
        var settings = TestPasswordPolicy.NewSettings();
        using var alice = TestPasswordPolicy.Derive(Password, "alice", settings);
        using var bob = TestPasswordPolicy.Derive(Password, "bob", settings);
        var blob = KeyBackup.Seal(alice, SecretKeys);

        Should.Throw<KeyBackupAuthenticationException>(() => KeyBackup.Open(blob, bob));
    }

    [Fact]
    public void Given_a_master_key_derived_with_other_settings_When_opening_Then_it_fails()
    {
        var blob = SealFor("alice");
        using var other = TestPasswordPolicy.Derive(Password, "alice", TestPasswordPolicy.NewSettings());

        Should.Throw<KeyBackupAuthenticationException>(() => KeyBackup.Open(blob, other));
    }

    [Fact]
    public void Given_a_backup_When_any_single_bit_is_flipped_Then_opening_fails_with_a_typed_error_and_returns_nothing()
    {
        var blob = SealFor("alice");
        var failures = 0;

        for (var bit = 0; bit < blob.Length * 8; bit++)
        {
            var tampered = (byte[])blob.Clone();
            tampered[bit / 8] ^= (byte)(1 << (bit % 8));

            var error = Should.Throw<CryptographicException>(() => OpenAs(tampered, "alice"), $"bit {bit}");
            error.ShouldBeAssignableTo<CryptographicException>().GetType().ShouldBeOneOf(
                typeof(KeyBackupAuthenticationException),
                typeof(KeyBackupFormatException),
                typeof(PasswordKdfParametersRejectedException));
            failures++;
        }

        failures.ShouldBe(blob.Length * 8);
    }

    [Fact]
    public void Given_a_truncated_or_extended_backup_When_opened_Then_it_fails()
    {
        var blob = SealFor("alice");

        Should.Throw<KeyBackupAuthenticationException>(() => OpenAs(blob[..^1], "alice"));
        Should.Throw<KeyBackupAuthenticationException>(() => OpenAs([.. blob, 0], "alice"));
        Should.Throw<KeyBackupFormatException>(() => OpenAs(blob[..(KeyBackup.HeaderSize + 15)], "alice"));
        Should.Throw<KeyBackupFormatException>(() => OpenAs([], "alice"));
    }

    [Fact]
    public void Given_a_blob_with_an_unknown_version_or_magic_When_opened_Then_a_format_error_is_raised()
    {
        var blob = SealFor("alice");
        var version2 = (byte[])blob.Clone();
        version2[4] = 2;
        var otherMagic = (byte[])blob.Clone();
        otherMagic[0] = (byte)'X';

        Should.Throw<KeyBackupFormatException>(() => OpenAs(version2, "alice")).Message.ShouldContain("version");
        Should.Throw<KeyBackupFormatException>(() => OpenAs(otherMagic, "alice")).Message.ShouldContain("magic");
    }

    [Fact]
    public void Given_a_blob_whose_stored_parameters_are_below_the_clients_minimum_When_opened_Then_they_are_refused()
    {
        var weakPolicy = new PasswordKdfPolicy(
            new Argon2idParameters(8, 1, 1), new Argon2idParameters(8, 1, 1), TestPasswordPolicy.Maximum);
        using var weakKey = PasswordMasterKey.Derive(Password, "alice", PasswordKdfSettings.CreateNew(weakPolicy), weakPolicy);
        var weakBlob = KeyBackup.Seal(weakKey, SecretKeys);

        Should.Throw<PasswordKdfParametersRejectedException>(() => OpenAs(weakBlob, "alice"));
        Should.Throw<PasswordKdfParametersRejectedException>(() => KeyBackup.Open(weakBlob, Password, "alice"));
    }

    [Fact]
    public void Given_a_blob_When_its_settings_are_read_Then_they_are_the_ones_it_was_sealed_with()
    {
        var settings = TestPasswordPolicy.NewSettings();
        using var key = TestPasswordPolicy.Derive(Password, "alice", settings);

        KeyBackup.ReadSettings(KeyBackup.Seal(key, SecretKeys)).ShouldBe(settings);
    }
}
