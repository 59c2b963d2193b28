using System.Collections.Concurrent;

namespace SeSPHR.Crypto.Umbral;

/// <summary>
/// Signatures already found valid, so that one signature met many times is checked once: every cfrag
/// re-encrypted with one kfrag carries the delegator's same signature over the same message (the
/// kfrag's id and commitment, the precursor, the delegating and receiving keys). ECDSA verification
/// is a function of the key, the message and the signature alone, so a valid signature is remembered
/// under those three exactly, and any other combination is verified as if nothing were remembered.
/// Safe for concurrent use.
/// </summary>
public sealed class VerifiedSignatures
{
    /// <summary>Enough for every kfrag a reader holds; beyond it the memo starts again rather than grow.</summary>
    private const int Capacity = 4096;

    private readonly ConcurrentDictionary<string, bool> _valid = new(StringComparer.Ordinal);

    internal bool Verify(Signature signature, PublicKey verifyingKey, ReadOnlySpan<byte> message)
    {
        var id = Identify(signature, verifyingKey, message);
        if (_valid.ContainsKey(id))
        {
            return true;
        }

        if (!signature.Verify(verifyingKey, message))
        {
            return false;
        }

        if (_valid.Count >= Capacity)
        {
            _valid.Clear();
        }

        _valid.TryAdd(id, true);
        return true;
    }

    private static string Identify(Signature signature, PublicKey verifyingKey, ReadOnlySpan<byte> message)
    {
        var bytes = new byte[Signature.Size + PublicKey.CompressedSize + message.Length];
        signature.WriteTo(bytes);
        verifyingKey.CompressedBytes.CopyTo(bytes.AsSpan(Signature.Size));
        message.CopyTo(bytes.AsSpan(Signature.Size + PublicKey.CompressedSize));
        return Convert.ToBase64String(bytes);
    }
}
