using System.Security.Cryptography;
using System.Text;

namespace SeSPHR.Srs.Security;

/// <summary>
/// The key-encryption key from <c>Srs:KeyEncryptionKey</c> (32 random bytes, base64), under which
/// the SRS seals every key it keeps in its database: the server keys and the data-protection key
/// ring. Sealing is XChaCha20-Poly1305 with a fresh random nonce, and the associated data names the
/// key's purpose and id: a sealed key moved to another row, or another purpose, does not open. The
/// KEK lives only in configuration (an environment variable or a secret store), never in the
/// database, so a copy of the database alone yields no key.
/// </summary>
public sealed class KeyEncryptionKey
{
    public const string Setting = "Srs:KeyEncryptionKey";

    private const int KeySize = 32;
    private const int NonceSize = 24;
    private const int TagSize = 16;

    private readonly byte[] _key;

    private KeyEncryptionKey(byte[] key) => _key = key;

    /// <summary>Reads the KEK from configuration; refuses to go on without a well-formed one.</summary>
    public static KeyEncryptionKey FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[Setting];
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(
                $"{Setting} is not set. The SRS seals its signing, encryption and cookie keys under this key-encryption key "
                + "and does not start without it: set it to 32 random bytes in base64 (for example `openssl rand -base64 32`) "
                + "in the Srs__KeyEncryptionKey environment variable or a secret store, and keep it apart from database backups.");
        }

        var key = new byte[KeySize];
        if (!Convert.TryFromBase64String(value.Trim(), key, out var written) || written != KeySize)
            throw new InvalidOperationException($"{Setting} is not 32 bytes in base64 (for example `openssl rand -base64 32`).");
        return new KeyEncryptionKey(key);
    }

    /// <summary>Seals <paramref name="material"/> for the key named by <paramref name="purpose"/> and <paramref name="keyId"/>: nonce, ciphertext and tag.</summary>
    public byte[] Seal(ReadOnlySpan<byte> material, string purpose, string keyId)
    {
        var sealedKey = new byte[NonceSize + material.Length + TagSize];
        var nonce = sealedKey.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        Geralt.XChaCha20Poly1305.Encrypt(sealedKey.AsSpan(NonceSize), material, nonce, _key, AssociatedData(purpose, keyId));
        return sealedKey;
    }

    /// <summary>Opens what <see cref="Seal"/> made for the same purpose and id; throws <see cref="KeyEncryptionKeyMismatchException"/> otherwise.</summary>
    public byte[] Open(ReadOnlySpan<byte> sealedKey, string purpose, string keyId)
    {
        if (sealedKey.Length < NonceSize + TagSize)
            throw new KeyEncryptionKeyMismatchException(purpose, keyId);
        var material = new byte[sealedKey.Length - NonceSize - TagSize];
        try
        {
            Geralt.XChaCha20Poly1305.Decrypt(material, sealedKey[NonceSize..], sealedKey[..NonceSize], _key, AssociatedData(purpose, keyId));
            return material;
        }
        catch (CryptographicException)
        {
            throw new KeyEncryptionKeyMismatchException(purpose, keyId);
        }
    }

    private static byte[] AssociatedData(string purpose, string keyId) =>
        Encoding.UTF8.GetBytes($"sesphr-srs-sealed-key\0{purpose}\0{keyId}");
}

/// <summary>
/// A sealed key did not open: the configured key-encryption key is not the one it was sealed
/// under, or the row was altered or moved. Names the key, never any key bytes.
/// </summary>
public sealed class KeyEncryptionKeyMismatchException : CryptographicException
{
    public KeyEncryptionKeyMismatchException()
    {
    }

    public KeyEncryptionKeyMismatchException(string message)
        : base(message)
    {
    }

    public KeyEncryptionKeyMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public KeyEncryptionKeyMismatchException(string purpose, string keyId)
        : base($"The SRS's {purpose} key {keyId} does not open with {KeyEncryptionKey.Setting}: the configured key-encryption key "
               + "is not the one the SRS database's keys were sealed under (or the row was altered). Configure the original key; "
               + "the SRS does not start without it.")
    {
    }
}
