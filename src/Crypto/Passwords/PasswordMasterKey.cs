using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using SeSPHR.Crypto.Primitives;

namespace SeSPHR.Crypto.Passwords;

/// <summary>
/// The key a user's password stretches to with Argon2id, held only on the user's side. From it HKDF
/// derives two independent keys: the <see cref="DeriveAuthenticationSecret">authentication secret</see>,
/// the only password-derived value a server ever sees, and the wrapping key of the
/// <see cref="KeyBackup"/>, which never leaves the client. Knowing the authentication secret does not
/// reveal the wrapping key, so the server that verifies logins cannot open the backup it stores
/// without guessing the password through Argon2id.
/// </summary>
/// <remarks>
/// Both keys and the Argon2id salt are bound to the user id, so one user's values are useless for
/// another. The parameters are checked against the client's <see cref="PasswordKdfPolicy"/> before
/// the password is touched. The password is encoded as strict UTF-8 exactly as given (this runtime
/// runs with invariant globalization and does not normalize Unicode), and the encoded copy is zeroed.
/// </remarks>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class PasswordMasterKey : IDisposable
{
    public const int KeySize = 32;

    /// <summary>Size of the authentication secret a client sends at login.</summary>
    public const int AuthenticationSecretSize = 32;

    internal const int WrappingKeySize = XChaCha20Poly1305Aead.KeySize;

    /// <summary>User ids are UTF-8 and at most this many bytes.</summary>
    public const int MaxUserIdBytes = 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly byte[] ArgonSaltLabel = "SeSPHR/password/argon2id-salt/v1"u8.ToArray();
    private static readonly byte[] AuthenticationSecretLabel = "SeSPHR/password/authentication-secret/v1"u8.ToArray();
    private static readonly byte[] WrappingKeyLabel = "SeSPHR/password/wrapping-key/v1"u8.ToArray();

    private readonly SecretBytes _key;

    private PasswordMasterKey(SecretBytes key, string userId, byte[] userIdBytes, PasswordKdfSettings settings)
    {
        _key = key;
        UserId = userId;
        UserIdBytes = userIdBytes;
        Settings = settings;
    }

    /// <summary>The user the key belongs to; every derived key and the backup are bound to it.</summary>
    public string UserId { get; }

    /// <summary>The salt and parameters the key was stretched with.</summary>
    public PasswordKdfSettings Settings { get; }

    internal byte[] UserIdBytes { get; }

    /// <summary>
    /// Stretches <paramref name="password"/> with Argon2id under <paramref name="settings"/>, after
    /// checking them against <paramref name="policy"/> (the production policy when null).
    /// </summary>
    /// <exception cref="PasswordKdfParametersRejectedException">The parameters are outside the policy; the password was not used.</exception>
    public static PasswordMasterKey Derive(ReadOnlySpan<char> password, string userId, PasswordKdfSettings settings, PasswordKdfPolicy? policy = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var userIdBytes = EncodeUserId(userId);
        (policy ?? PasswordKdfPolicy.Production).EnsureAccepts(settings.Parameters);
        if (password.IsEmpty)
            throw new ArgumentException("A password is required.", nameof(password));

        var passwordBytes = GC.AllocateArray<byte>(StrictUtf8.GetMaxByteCount(password.Length), pinned: true);
        var key = SecretBytes.Allocate(KeySize);
        try
        {
            var length = EncodePassword(password, passwordBytes);
            Span<byte> argonSalt = stackalloc byte[PasswordKdfSettings.SaltSize];
            ComputeArgonSalt(userIdBytes, settings.Salt, argonSalt);
            Geralt.Argon2id.DeriveKey(
                key.AsWritableSpan(),
                passwordBytes.AsSpan(0, length),
                argonSalt,
                settings.Parameters.Iterations,
                checked(settings.Parameters.MemoryKiB * 1024));
            return new PasswordMasterKey(key, userId, userIdBytes, settings);
        }
        catch
        {
            key.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passwordBytes);
        }
    }

    /// <summary>
    /// The value a client sends to the server at login (and at registration, for the server to store
    /// as a slow hash). Deterministic for the same password, user id and settings.
    /// </summary>
    public SecretBytes DeriveAuthenticationSecret() => DeriveLabelled(AuthenticationSecretLabel, AuthenticationSecretSize);

    /// <summary>The key that wraps the user's secret keys; never leaves the client.</summary>
    internal SecretBytes DeriveWrappingKey() => DeriveLabelled(WrappingKeyLabel, WrappingKeySize);

    public override string ToString() => $"PasswordMasterKey(user {UserId}, redacted)";

    /// <summary>Zeroes the master key.</summary>
    public void Dispose() => _key.Dispose();

    internal static byte[] EncodeUserId(string userId)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        byte[] bytes;
        try
        {
            bytes = StrictUtf8.GetBytes(userId);
        }
        catch (EncoderFallbackException)
        {
            throw new ArgumentException("The user id is not valid Unicode.", nameof(userId));
        }

        if (bytes.Length > MaxUserIdBytes)
            throw new ArgumentException($"The user id is longer than {MaxUserIdBytes} UTF-8 bytes.", nameof(userId));
        return bytes;
    }

    /// <summary>Appends <c>u32be(length) || bytes</c>, so adjacent fields can never run into each other.</summary>
    internal static void AppendLengthPrefixed(List<byte> buffer, ReadOnlySpan<byte> bytes)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)bytes.Length);
        buffer.AddRange(length);
        buffer.AddRange(bytes);
    }

    private static int EncodePassword(ReadOnlySpan<char> password, byte[] destination)
    {
        try
        {
            return StrictUtf8.GetBytes(password, destination);
        }
        catch (EncoderFallbackException)
        {
            // The framework's message quotes the offending character; never let a password fragment out.
            throw new ArgumentException("The password is not valid Unicode.", nameof(password));
        }
    }

    /// <summary>Argon2id salt = SHA-256(label, user id, stored salt)[0..16): a server that hands every user the same salt still gets per-user keys.</summary>
    private static void ComputeArgonSalt(ReadOnlySpan<byte> userIdBytes, ReadOnlySpan<byte> storedSalt, Span<byte> argonSalt)
    {
        var input = new List<byte>(128);
        AppendLengthPrefixed(input, ArgonSaltLabel);
        AppendLengthPrefixed(input, userIdBytes);
        AppendLengthPrefixed(input, storedSalt);
        Span<byte> digest = stackalloc byte[Sha256.HashLength];
        Sha256.Hash(input.ToArray(), digest);
        digest[..argonSalt.Length].CopyTo(argonSalt);
    }

    /// <summary>HKDF-SHA256(IKM = master key, salt = stored salt, info = LP(label) || LP(user id)).</summary>
    private SecretBytes DeriveLabelled(byte[] label, int length)
    {
        var info = new List<byte>(label.Length + UserIdBytes.Length + 8);
        AppendLengthPrefixed(info, label);
        AppendLengthPrefixed(info, UserIdBytes);
        return HkdfSha256.DeriveSecret(_key.AsSpan(), Settings.Salt, info.ToArray(), length);
    }
}
