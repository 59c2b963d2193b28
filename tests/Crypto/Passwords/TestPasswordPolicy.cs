using SeSPHR.Crypto.Passwords;

namespace SeSPHR.Crypto.Tests.Passwords;

/// <summary>
/// A cheap policy so tests run Argon2id in about a millisecond. It is enforced exactly like
/// <see cref="PasswordKdfPolicy.Production"/>, only against a lower minimum.
/// </summary>
internal static class TestPasswordPolicy
{
    public static readonly Argon2idParameters Minimum = new(MemoryKiB: 64, Iterations: 1, Parallelism: 1);

    public static readonly Argon2idParameters Recommended = new(MemoryKiB: 256, Iterations: 2, Parallelism: 1);

    public static readonly Argon2idParameters Maximum = new(MemoryKiB: 1024, Iterations: 4, Parallelism: 1);

    public static PasswordKdfPolicy Policy { get; } = new(Minimum, Recommended, Maximum);

    /// <summary>Down to libsodium's floor, for known-answer vectors with very cheap parameters.</summary>
    public static PasswordKdfPolicy PermissivePolicy { get; } = new(new Argon2idParameters(8, 1, 1), Recommended, Maximum);

    public static PasswordKdfSettings NewSettings() => PasswordKdfSettings.CreateNew(Policy);

    public static PasswordMasterKey Derive(string password, string userId, PasswordKdfSettings settings) =>
        PasswordMasterKey.Derive(password, userId, settings, Policy);
}
