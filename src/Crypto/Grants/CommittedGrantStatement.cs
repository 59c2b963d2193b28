using SeSPHR.Crypto.Primitives;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Crypto.Grants;

/// <summary>
/// A patient's statement after <see cref="GrantStatement.Commit"/>: the header to sign and publish,
/// and one opening per entry, which the patient's client hands out one grantee at a time, so that
/// no grantee gets another's entry.
/// </summary>
public sealed class CommittedGrantStatement
{
    private readonly IReadOnlyList<GrantOpening> _openings;

    internal CommittedGrantStatement(GrantStatementHeader header, IReadOnlyList<GrantOpening> openings)
    {
        Header = header;
        _openings = openings;
    }

    public GrantStatementHeader Header { get; }

    public SignedGrantStatement Sign(Signer patientSigner, IRandomSource? rng = null) => Header.Sign(patientSigner, rng);

    /// <summary>The openings of one grantee's entries, one per section it holds; empty when the statement names it nowhere.</summary>
    public IReadOnlyList<GrantOpening> OpeningsFor(KeyFingerprint fingerprint)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        return [.. _openings.Where(o => o.Entry.Fingerprint.Equals(fingerprint)).OrderBy(o => o.Entry.Section, StringComparer.Ordinal)];
    }

    /// <summary>The opening of one grantee's entry in one section, or null.</summary>
    public GrantOpening? OpeningFor(KeyFingerprint fingerprint, string section) =>
        OpeningsFor(fingerprint).FirstOrDefault(o => o.Entry.Section == section);
}
