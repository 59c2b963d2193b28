using SeSPHR.Crypto.Primitives;

namespace SeSPHR.Crypto.Passwords;

/// <summary>
/// A user's salt and Argon2id parameters: public values the server stores and hands back before a
/// login, so a new device can stretch the same password the same way. The 16-byte salt is random
/// per user (and per password change), so equal passwords of different users, or of one user over
/// time, never stretch to the same key and precomputed tables are useless. The client checks the
/// parameters against its own <see cref="PasswordKdfPolicy"/>; the server cannot weaken them.
/// </summary>
public sealed class PasswordKdfSettings : IEquatable<PasswordKdfSettings>
{
    public const int SaltSize = 16;

    private readonly byte[] _salt;

    public PasswordKdfSettings(Argon2idParameters parameters, ReadOnlySpan<byte> salt)
    {
        if (salt.Length != SaltSize)
            throw new ArgumentException($"The salt is {SaltSize} bytes.", nameof(salt));
        Parameters = parameters;
        _salt = salt.ToArray();
    }

    public Argon2idParameters Parameters { get; }

    /// <summary>The random salt (not a secret).</summary>
    public ReadOnlySpan<byte> Salt => _salt;

    /// <summary>Fresh settings for a new password: the policy's recommended parameters and a random salt.</summary>
    public static PasswordKdfSettings CreateNew(PasswordKdfPolicy? policy = null, IRandomSource? random = null)
    {
        Span<byte> salt = stackalloc byte[SaltSize];
        (random ?? SystemRandomSource.Instance).Fill(salt);
        return new PasswordKdfSettings((policy ?? PasswordKdfPolicy.Production).Recommended, salt);
    }

    public bool Equals(PasswordKdfSettings? other) =>
        other is not null && Parameters == other.Parameters && _salt.AsSpan().SequenceEqual(other._salt);

    public override bool Equals(object? obj) => Equals(obj as PasswordKdfSettings);

    public override int GetHashCode() => HashCode.Combine(Parameters, BitConverter.ToInt32(_salt));

    public override string ToString() => $"{Parameters}, salt {Convert.ToHexStringLower(_salt)}";
}
