using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Crypto.Grants;

/// <summary>What a grantee may do in a section.</summary>
[Flags]
public enum GrantActions
{
    None = 0,

    /// <summary>Read the section (the SRS may re-encrypt its capsules for the grantee).</summary>
    Read = 1,

    /// <summary>Write envelopes of the section that readers will accept as authorised.</summary>
    Write = 2,
}

/// <summary>
/// A section's current key epoch and its delegating public key, as the patient signed them: writers
/// encrypt new envelopes of the section to exactly this key, so a server cannot steer them to a key it
/// chose or to an epoch a revoked grantee can still read. The epoch is the one in the section's
/// envelopes and key label (<see cref="Envelopes.SectionKeys"/>).
/// </summary>
public sealed record SectionKey(string Section, uint Epoch, PublicKey PublicKey);

/// <summary>
/// One grant to one grantee: the section, the actions, and the period it holds (start inclusive, end
/// exclusive; no end means until revoked).
/// </summary>
public sealed record SectionGrant(string Section, GrantActions Actions, DateTimeOffset Start, DateTimeOffset? End = null)
{
    /// <summary>Whether the grant covers <paramref name="action"/> at <paramref name="at"/>.</summary>
    public bool Allows(GrantActions action, DateTimeOffset at) =>
        action != GrantActions.None && (Actions & action) == action && at >= Start && (End is null || at < End);
}

/// <summary>
/// A grantee as the patient approved them: their user id, the fingerprint of their two public keys
/// (so the key directory cannot swap their keys unnoticed), and their grants, one per section.
/// </summary>
public sealed record GranteeGrants(string GranteeId, KeyFingerprint Fingerprint, IReadOnlyList<SectionGrant> Grants);
