using System.Security.Cryptography;

namespace SeSPHR.Crypto.Primitives;

/// <summary>
/// Where an operation draws its randomness. Production code uses <see cref="SystemRandomSource"/>
/// (the operating system's CSPRNG); tests inject a source that replays recorded bytes so every
/// output of a randomized operation can be reproduced byte for byte.
/// </summary>
public interface IRandomSource
{
    /// <summary>Fills <paramref name="destination"/> with random bytes.</summary>
    void Fill(Span<byte> destination);
}

/// <summary>
/// The operating system's cryptographically secure generator (<see cref="RandomNumberGenerator"/>);
/// the default wherever an <see cref="IRandomSource"/> is optional.
/// </summary>
public sealed class SystemRandomSource : IRandomSource
{
    private SystemRandomSource()
    {
    }

    public static SystemRandomSource Instance { get; } = new();

    public void Fill(Span<byte> destination) => RandomNumberGenerator.Fill(destination);
}
