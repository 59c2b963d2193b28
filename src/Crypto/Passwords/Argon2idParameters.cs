namespace SeSPHR.Crypto.Passwords;

/// <summary>
/// The cost of one Argon2id password stretch (RFC 9106): memory in KiB, passes over it, and lanes.
/// The cost is what makes each offline guess at a password expensive for whoever holds the
/// authentication verifier or the wrapped key backup. The parameters travel with the salt and inside
/// every backup blob, so they can be raised later without breaking blobs already written, and a
/// client checks them against its <see cref="PasswordKdfPolicy"/> before it spends the password.
/// </summary>
/// <param name="MemoryKiB">Memory cost in KiB (libsodium's <c>memlimit</c> / 1024).</param>
/// <param name="Iterations">Number of passes (libsodium's <c>opslimit</c>).</param>
/// <param name="Parallelism">Lanes; libsodium computes exactly one, so version 1 allows only 1.</param>
public readonly record struct Argon2idParameters(int MemoryKiB, int Iterations, int Parallelism)
{
    /// <summary>True when every component is at least the one of <paramref name="other"/>.</summary>
    public bool IsAtLeast(Argon2idParameters other) =>
        MemoryKiB >= other.MemoryKiB && Iterations >= other.Iterations && Parallelism >= other.Parallelism;

    /// <summary>True when every component is at most the one of <paramref name="other"/>.</summary>
    public bool IsAtMost(Argon2idParameters other) =>
        MemoryKiB <= other.MemoryKiB && Iterations <= other.Iterations && Parallelism <= other.Parallelism;

    public override string ToString() => $"Argon2id(m={MemoryKiB} KiB, t={Iterations}, p={Parallelism})";
}
