using System.Security.Cryptography;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Grants;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Client.Accounts;

/// <summary>
/// A user's secret keys, made and kept on the user's side: the Umbral decryption key (what cfrags
/// re-encrypt to), the signing key (envelopes, kfrags, grant statements) and the master secret the
/// per-section, per-epoch delegating keys derive from. The only copy the servers get is the
/// password-wrapped backup (<see cref="ToBackupPayload"/> sealed by <c>KeyBackup</c>).
/// </summary>
/// <remarks>
/// Backup payload, version 1: <c>"SPUK" || 0x01 || decryption key (32) || signing key (32) || master secret (32)</c>,
/// scalars big-endian.
/// </remarks>
public sealed class UserKeys : IDisposable
{
    private const int ScalarSize = 32;
    private const byte PayloadVersion = 1;
    private static readonly byte[] Magic = "SPUK"u8.ToArray();
    private static readonly int PayloadSize = Magic.Length + 1 + (3 * ScalarSize);

    private readonly byte[] _masterSecret;

    private UserKeys(SecretKey decryption, SecretKey signing, byte[] masterSecret)
    {
        Decryption = decryption;
        SigningKey = signing;
        Signer = new Signer(signing);
        _masterSecret = masterSecret;
        Sections = SectionKeys.FromMasterSecret(masterSecret);
    }

    /// <summary>The Umbral key capsule fragments are re-encrypted to.</summary>
    public SecretKey Decryption { get; }

    public SecretKey SigningKey { get; }

    public Signer Signer { get; }

    /// <summary>The patient's delegating keys, one pair per (section, epoch).</summary>
    public SectionKeys Sections { get; }

    public PublicKey DecryptionPublicKey => Decryption.PublicKey;

    public PublicKey SigningPublicKey => Signer.VerifyingKey;

    public KeyFingerprint Fingerprint => KeyFingerprint.Compute(DecryptionPublicKey, SigningPublicKey);

    /// <summary>
    /// The patient's key for the salts and padding of its grant statements' Merkle trees, derived
    /// from the master secret with its own label: secret, so a grantee cannot test a guess about
    /// another entry against a sibling hash; stable, so a statement rebuilt during repair is the same.
    /// </summary>
    public byte[] GrantSaltKey() =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _masterSecret, GrantStatement.SaltKeySize, salt: [], info: "SeSPHR/grant-salt-key/v1"u8.ToArray());

    public static UserKeys CreateRandom()
    {
        var masterSecret = new byte[SecretKeyFactory.SeedSize];
        RandomNumberGenerator.Fill(masterSecret);
        return new UserKeys(SecretKey.Random(), SecretKey.Random(), masterSecret);
    }

    /// <exception cref="FormatException">Not a version-1 key payload.</exception>
    public static UserKeys FromBackupPayload(ReadOnlySpan<byte> payload)
    {
        if (payload.Length != PayloadSize || !payload[..Magic.Length].SequenceEqual(Magic) || payload[Magic.Length] != PayloadVersion)
        {
            throw new FormatException("Not a version-1 SeSPHR user key payload.");
        }

        var scalars = payload[(Magic.Length + 1)..];
        return new UserKeys(
            SecretKey.FromBigEndianBytes(scalars[..ScalarSize]),
            SecretKey.FromBigEndianBytes(scalars.Slice(ScalarSize, ScalarSize)),
            scalars.Slice(2 * ScalarSize, ScalarSize).ToArray());
    }

    /// <summary>The plaintext the key backup wraps; the caller zeroes it after sealing.</summary>
    public byte[] ToBackupPayload()
    {
        var payload = new byte[PayloadSize];
        Magic.CopyTo(payload, 0);
        payload[Magic.Length] = PayloadVersion;
        using (var decryption = Decryption.ToBigEndianBytes())
        using (var signing = SigningKey.ToBigEndianBytes())
        {
            decryption.AsSpan().CopyTo(payload.AsSpan(Magic.Length + 1));
            signing.AsSpan().CopyTo(payload.AsSpan(Magic.Length + 1 + ScalarSize));
        }

        _masterSecret.CopyTo(payload, Magic.Length + 1 + (2 * ScalarSize));
        return payload;
    }

    public override string ToString() => $"UserKeys({Fingerprint}, redacted)";

    public void Dispose()
    {
        Decryption.Dispose();
        SigningKey.Dispose();
        Sections.Dispose();
        CryptographicOperations.ZeroMemory(_masterSecret);
    }
}
