namespace SeSPHR.Crypto.Passwords;

/// <summary>
/// The Argon2id costs a client accepts, shipped in the client's code. A server proposes the
/// parameters for a login (with the salt), but it can never make a client stretch a password more
/// cheaply than <see cref="Minimum"/> (which would make the authentication secret, and so the password,
/// cheaper to guess offline) nor more expensively than <see cref="Maximum"/> (which would exhaust the
/// client's memory or time). New passwords use <see cref="Recommended"/>.
/// </summary>
/// <remarks>
/// Only <see cref="Production"/> is public. Tests build a cheaper policy through the internal
/// constructor, and it is enforced exactly as the production one is.
/// </remarks>
public sealed class PasswordKdfPolicy
{
    /// <summary>libsodium's own floor for <c>crypto_pwhash</c>: 8 KiB and one pass.</summary>
    private static readonly Argon2idParameters LibsodiumFloor = new(MemoryKiB: 8, Iterations: 1, Parallelism: 1);

    /// <summary>
    /// 64 MiB, 3 passes, 1 lane as both the minimum and the default: about 85 ms on one core of
    /// the project's reference machine, and more than three times OWASP's minimum for Argon2id
    /// (19 MiB, 2 passes, 1 lane). The maximum (1 GiB, 16 passes) bounds what a hostile server can
    /// make a client spend.
    /// </summary>
    public static PasswordKdfPolicy Production { get; } = new(
        minimum: new Argon2idParameters(MemoryKiB: 64 * 1024, Iterations: 3, Parallelism: 1),
        recommended: new Argon2idParameters(MemoryKiB: 64 * 1024, Iterations: 3, Parallelism: 1),
        maximum: new Argon2idParameters(MemoryKiB: 1024 * 1024, Iterations: 16, Parallelism: 1));

    internal PasswordKdfPolicy(Argon2idParameters minimum, Argon2idParameters recommended, Argon2idParameters maximum)
    {
        if (!minimum.IsAtLeast(LibsodiumFloor))
            throw new ArgumentOutOfRangeException(nameof(minimum), minimum, "Below libsodium's floor for Argon2id.");
        if (!recommended.IsAtLeast(minimum) || !recommended.IsAtMost(maximum))
            throw new ArgumentOutOfRangeException(nameof(recommended), recommended, "The recommended parameters must lie between the minimum and the maximum.");
        if (maximum.Parallelism != 1)
            throw new ArgumentOutOfRangeException(nameof(maximum), maximum, "libsodium computes Argon2id with exactly one lane.");
        if ((long)maximum.MemoryKiB * 1024 > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(maximum), maximum, "libsodium's memory limit is below 2 GiB here.");
        Minimum = minimum;
        Recommended = recommended;
        Maximum = maximum;
    }

    public Argon2idParameters Minimum { get; }

    public Argon2idParameters Recommended { get; }

    public Argon2idParameters Maximum { get; }

    /// <summary>Whether <paramref name="proposed"/> lies within this policy's bounds.</summary>
    public bool Accepts(Argon2idParameters proposed) => proposed.IsAtLeast(Minimum) && proposed.IsAtMost(Maximum);

    /// <summary>Throws <see cref="PasswordKdfParametersRejectedException"/> unless <paramref name="proposed"/> is within bounds.</summary>
    public void EnsureAccepts(Argon2idParameters proposed)
    {
        if (!proposed.IsAtLeast(Minimum))
            throw new PasswordKdfParametersRejectedException($"{proposed} is weaker than this client's minimum {Minimum}.");
        if (!proposed.IsAtMost(Maximum))
            throw new PasswordKdfParametersRejectedException($"{proposed} exceeds this client's maximum {Maximum}.");
    }
}
