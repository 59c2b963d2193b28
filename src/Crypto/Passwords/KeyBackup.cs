using System.Buffers.Binary;
using SeSPHR.Crypto.Primitives;

namespace SeSPHR.Crypto.Passwords;

/// <summary>
/// A user's secret keys wrapped under their password, for the server to keep as a backup it cannot
/// open: XChaCha20-Poly1305 under the wrapping key that <see cref="PasswordMasterKey"/> derives, with
/// the whole header and the user id as associated data. Opening needs the password; a blob opened
/// with a wrong password, as another user, or with any bit changed fails with
/// <see cref="KeyBackupAuthenticationException"/> and returns nothing.
/// </summary>
/// <remarks>
/// Format version 1 (integers big-endian; described in <c>src/Crypto/Passwords/README.md</c>):
/// <code>
/// offset size  field
///  0      4    magic "SPKB"
///  4      1    format version = 1
///  5      4    Argon2id memory, KiB
///  9      4    Argon2id passes
/// 13      4    Argon2id lanes
/// 17     16    salt
/// 33     24    nonce (random)
/// 57    n+16   XChaCha20-Poly1305 ciphertext || tag
/// AAD = LP("SeSPHR/key-backup/v1") || bytes[0..57) || LP(UTF-8 user id), LP(x) = u32be(len x) || x
/// </code>
/// </remarks>
public static class KeyBackup
{
    public const byte FormatVersion = 1;

    public const int HeaderSize = 57;

    private const int MemoryOffset = 5;
    private const int IterationsOffset = 9;
    private const int ParallelismOffset = 13;
    private const int SaltOffset = 17;
    private const int NonceOffset = SaltOffset + PasswordKdfSettings.SaltSize;

    private static readonly byte[] AadLabel = "SeSPHR/key-backup/v1"u8.ToArray();

    /// <summary>The four bytes every backup blob starts with.</summary>
    public static ReadOnlySpan<byte> Magic => "SPKB"u8;

    /// <summary>Wraps <paramref name="secretKeys"/> (any bytes) for <paramref name="masterKey"/>'s user.</summary>
    public static byte[] Seal(PasswordMasterKey masterKey, ReadOnlySpan<byte> secretKeys, IRandomSource? random = null)
    {
        ArgumentNullException.ThrowIfNull(masterKey);
        var blob = new byte[HeaderSize + secretKeys.Length + XChaCha20Poly1305Aead.TagSize];
        WriteHeader(blob, masterKey.Settings);
        (random ?? SystemRandomSource.Instance).Fill(blob.AsSpan(NonceOffset, XChaCha20Poly1305Aead.NonceSize));

        using var wrappingKey = masterKey.DeriveWrappingKey();
        XChaCha20Poly1305Aead.Seal(
            wrappingKey.AsSpan(),
            blob.AsSpan(NonceOffset, XChaCha20Poly1305Aead.NonceSize),
            secretKeys,
            AssociatedData(blob, masterKey.UserIdBytes),
            blob.AsSpan(HeaderSize));
        return blob;
    }

    /// <summary>
    /// Opens a blob with the password: reads the salt and parameters from the blob, checks them against
    /// <paramref name="policy"/> (production when null), stretches the password and unwraps.
    /// </summary>
    /// <exception cref="KeyBackupFormatException">Not a version-1 backup blob.</exception>
    /// <exception cref="PasswordKdfParametersRejectedException">The blob asks for parameters outside the policy.</exception>
    /// <exception cref="KeyBackupAuthenticationException">Wrong password, another user's blob, or altered bytes.</exception>
    public static SecretBytes Open(ReadOnlySpan<byte> blob, ReadOnlySpan<char> password, string userId, PasswordKdfPolicy? policy = null)
    {
        var settings = ReadSettings(blob);
        using var masterKey = PasswordMasterKey.Derive(password, userId, settings, policy);
        return Open(blob, masterKey);
    }

    /// <summary>Opens a blob with a master key already derived at login (saving a second Argon2id run).</summary>
    /// <exception cref="KeyBackupFormatException">Not a version-1 backup blob.</exception>
    /// <exception cref="KeyBackupAuthenticationException">
    /// The key was stretched with other settings than the blob's, or the password, user or bytes differ.
    /// </exception>
    public static SecretBytes Open(ReadOnlySpan<byte> blob, PasswordMasterKey masterKey)
    {
        ArgumentNullException.ThrowIfNull(masterKey);
        if (!masterKey.Settings.Equals(ReadSettings(blob)))
            throw new KeyBackupAuthenticationException("The backup was wrapped with other password settings than this key was derived with.");

        using var wrappingKey = masterKey.DeriveWrappingKey();
        var secretKeys = SecretBytes.Allocate(blob.Length - HeaderSize - XChaCha20Poly1305Aead.TagSize);
        var opened = XChaCha20Poly1305Aead.TryOpen(
            wrappingKey.AsSpan(),
            blob.Slice(NonceOffset, XChaCha20Poly1305Aead.NonceSize),
            blob[HeaderSize..],
            AssociatedData(blob, masterKey.UserIdBytes),
            secretKeys.AsWritableSpan());
        if (!opened)
        {
            secretKeys.Dispose();
            throw new KeyBackupAuthenticationException();
        }

        return secretKeys;
    }

    /// <summary>The salt and parameters a blob was wrapped with (public values; nothing is checked but the format).</summary>
    /// <exception cref="KeyBackupFormatException">Not a version-1 backup blob.</exception>
    /// <exception cref="PasswordKdfParametersRejectedException">A parameter does not fit in a signed 32-bit integer.</exception>
    public static PasswordKdfSettings ReadSettings(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < Magic.Length || !blob[..Magic.Length].SequenceEqual(Magic))
            throw new KeyBackupFormatException("Not a SeSPHR key backup (wrong magic).");
        if (blob.Length <= Magic.Length || blob[Magic.Length] != FormatVersion)
            throw new KeyBackupFormatException("Unknown key backup format version.");
        if (blob.Length < HeaderSize + XChaCha20Poly1305Aead.TagSize)
            throw new KeyBackupFormatException("The key backup is truncated.");

        var parameters = new Argon2idParameters(
            ReadInt32(blob, MemoryOffset),
            ReadInt32(blob, IterationsOffset),
            ReadInt32(blob, ParallelismOffset));
        return new PasswordKdfSettings(parameters, blob.Slice(SaltOffset, PasswordKdfSettings.SaltSize));
    }

    private static void WriteHeader(Span<byte> blob, PasswordKdfSettings settings)
    {
        Magic.CopyTo(blob);
        blob[Magic.Length] = FormatVersion;
        BinaryPrimitives.WriteUInt32BigEndian(blob[MemoryOffset..], checked((uint)settings.Parameters.MemoryKiB));
        BinaryPrimitives.WriteUInt32BigEndian(blob[IterationsOffset..], checked((uint)settings.Parameters.Iterations));
        BinaryPrimitives.WriteUInt32BigEndian(blob[ParallelismOffset..], checked((uint)settings.Parameters.Parallelism));
        settings.Salt.CopyTo(blob[SaltOffset..]);
    }

    private static int ReadInt32(ReadOnlySpan<byte> blob, int offset)
    {
        var value = BinaryPrimitives.ReadUInt32BigEndian(blob[offset..]);
        return value <= int.MaxValue
            ? (int)value
            : throw new PasswordKdfParametersRejectedException("A key backup parameter is out of range.");
    }

    private static byte[] AssociatedData(ReadOnlySpan<byte> blob, ReadOnlySpan<byte> userIdBytes)
    {
        var aad = new List<byte>(HeaderSize + userIdBytes.Length + AadLabel.Length + 8);
        PasswordMasterKey.AppendLengthPrefixed(aad, AadLabel);
        aad.AddRange(blob[..HeaderSize]);
        PasswordMasterKey.AppendLengthPrefixed(aad, userIdBytes);
        return aad.ToArray();
    }
}
