using System.Collections.ObjectModel;
using System.Text;
using SeSPHR.Crypto.Envelopes;

namespace SeSPHR.Crypto.Grants;

/// <summary>
/// The patient's own, complete account of who may do what, kept on the patient's device: the
/// statement number, per section the current epoch and public key, and per grantee the key
/// fingerprint, the actions per section and their period. It is never published whole: the patient
/// signs only its header (<see cref="Commit"/>, <see cref="GrantStatementHeader"/>), which commits to
/// the per-grantee, per-section entries through a salted Merkle root, and gives each grantee only its
/// own entries with their openings, so a grantee learns its own grant and no one else's.
/// </summary>
/// <remarks>
/// The constructor validates and puts every list into canonical order (sections by code, grantees by
/// fingerprint, grants by section); times are kept to the millisecond, in UTC.
/// </remarks>
public sealed class GrantStatement
{
    /// <summary>The domain tag every grant-statement signature is made under, distinct from envelope and kfrag tags.</summary>
    public const string SignatureDomainTag = "SeSPHR/grant-statement/v2";

    /// <summary>Version 2: a signed header over a commitment, instead of a statement naming every grantee.</summary>
    public const byte FormatVersion = 2;

    public const int MaxIdBytes = 1024;

    /// <summary>Section codes follow the envelope's rule: 1 to 32 of <c>a-z 0-9 -</c>.</summary>
    public const int MaxSectionCodeLength = EnvelopeContext.MaxSectionCodeLength;

    /// <summary>The size of the patient's grant-salt key, the HMAC key salts and padding leaves derive from.</summary>
    public const int SaltKeySize = 32;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public GrantStatement(
        string patientId,
        long number,
        DateTimeOffset issuedAt,
        IEnumerable<SectionKey> sections,
        IEnumerable<GranteeGrants> grantees)
    {
        ValidateId(patientId, nameof(patientId));
        ArgumentOutOfRangeException.ThrowIfLessThan(number, 1);
        ArgumentNullException.ThrowIfNull(sections);
        ArgumentNullException.ThrowIfNull(grantees);

        PatientId = patientId;
        Number = number;
        IssuedAt = ToMilliseconds(issuedAt);
        Sections = NormalizeSections(sections);
        Grantees = NormalizeGrantees(grantees, Sections);
    }

    public string PatientId { get; }

    /// <summary>Increases with every statement the patient issues; clients refuse to go back.</summary>
    public long Number { get; }

    public DateTimeOffset IssuedAt { get; }

    public IReadOnlyList<SectionKey> Sections { get; }

    public IReadOnlyList<GranteeGrants> Grantees { get; }

    /// <summary>Every entry: one per grantee and granted section.</summary>
    public IEnumerable<GrantEntry> Entries() =>
        Grantees.SelectMany(g => g.Grants.Select(grant => new GrantEntry(g.Fingerprint, g.GranteeId, grant)));

    /// <summary>
    /// Builds the Merkle tree over the salted entries and its padding, and the header that commits to
    /// it. Salts and padding derive from <paramref name="saltKey"/> (a secret of the patient's, never
    /// shared) and the number, so the same statement always gives the same header, and no grantee can
    /// test a guess about another entry against a sibling hash.
    /// </summary>
    public CommittedGrantStatement Commit(ReadOnlySpan<byte> saltKey)
    {
        if (saltKey.Length != SaltKeySize)
            throw new ArgumentException($"The grant-salt key is {SaltKeySize} bytes.", nameof(saltKey));
        var entries = Entries().ToList();
        var width = GrantTree.WidthFor(entries.Count);
        if (width > 1 << GrantTree.MaxDepth)
            throw new InvalidOperationException("Too many grant entries for one statement.");

        var leaves = new List<(byte[] Leaf, GrantEntry? Entry, byte[]? Salt)>(width);
        foreach (var entry in entries)
        {
            var bytes = entry.ToCanonicalBytes();
            var salt = GrantTree.Salt(saltKey, Number, bytes);
            leaves.Add((GrantTree.LeafHash(salt, bytes), entry, salt));
        }

        for (var i = entries.Count; i < width; i++)
        {
            leaves.Add((GrantTree.PaddingLeaf(saltKey, Number, i), null, null));
        }

        // Ordered by hash: a leaf's position says nothing about its grantee or section.
        leaves.Sort((a, b) => a.Leaf.AsSpan().SequenceCompareTo(b.Leaf));
        var levels = GrantTree.Levels([.. leaves.Select(l => l.Leaf)]);
        var header = new GrantStatementHeader(PatientId, Number, IssuedAt, (ReadOnlyCollection<SectionKey>)Sections, (uint)width, levels[^1][0]);
        var openings = new List<GrantOpening>(entries.Count);
        for (var i = 0; i < leaves.Count; i++)
        {
            if (leaves[i] is { Entry: { } entry, Salt: { } salt })
                openings.Add(new GrantOpening(entry, salt, (uint)i, Array.AsReadOnly(GrantTree.Path(levels, i))));
        }

        return new CommittedGrantStatement(header, openings);
    }

    public SectionKey? FindSection(string section) => Sections.FirstOrDefault(s => s.Section == section);

    public GranteeGrants? FindGrantee(KeyFingerprint fingerprint) => Grantees.FirstOrDefault(g => g.Fingerprint.Equals(fingerprint));

    /// <summary>Whether the grantee with <paramref name="fingerprint"/> may do <paramref name="action"/> in <paramref name="section"/> at <paramref name="at"/>.</summary>
    public bool Allows(KeyFingerprint fingerprint, string section, GrantActions action, DateTimeOffset at) =>
        FindGrantee(fingerprint)?.Grants.Any(g => g.Section == section && g.Allows(action, at)) ?? false;

    public override string ToString() => $"GrantStatement({PatientId} #{Number}, {Sections.Count} sections, {Grantees.Count} grantees)";

    internal static ReadOnlyCollection<SectionKey> NormalizeSections(IEnumerable<SectionKey> sections)
    {
        var list = new List<SectionKey>();
        foreach (var section in sections)
        {
            ArgumentNullException.ThrowIfNull(section, nameof(sections));
            ValidateSectionCode(section.Section, nameof(sections));
            ArgumentNullException.ThrowIfNull(section.PublicKey, nameof(sections));
            list.Add(section);
        }

        list.Sort((a, b) => string.CompareOrdinal(a.Section, b.Section));
        for (var i = 1; i < list.Count; i++)
        {
            if (list[i].Section == list[i - 1].Section)
                throw new ArgumentException($"Section '{list[i].Section}' appears twice.", nameof(sections));
        }

        return list.AsReadOnly();
    }

    private static ReadOnlyCollection<GranteeGrants> NormalizeGrantees(IEnumerable<GranteeGrants> grantees, IReadOnlyList<SectionKey> sections)
    {
        var sectionCodes = sections.Select(s => s.Section).ToHashSet(StringComparer.Ordinal);
        var list = new List<GranteeGrants>();
        foreach (var grantee in grantees)
        {
            ArgumentNullException.ThrowIfNull(grantee, nameof(grantees));
            ValidateId(grantee.GranteeId, nameof(grantees));
            ArgumentNullException.ThrowIfNull(grantee.Fingerprint, nameof(grantees));
            ArgumentNullException.ThrowIfNull(grantee.Grants, nameof(grantees));
            if (grantee.Grants.Count == 0)
                throw new ArgumentException($"Grantee '{grantee.GranteeId}' has no grants; leave them out instead.", nameof(grantees));

            var grants = grantee.Grants.Select(g => NormalizeGrant(g, sectionCodes)).ToList();
            grants.Sort((a, b) => string.CompareOrdinal(a.Section, b.Section));
            for (var i = 1; i < grants.Count; i++)
            {
                if (grants[i].Section == grants[i - 1].Section)
                    throw new ArgumentException($"Grantee '{grantee.GranteeId}' has two grants for section '{grants[i].Section}'.", nameof(grantees));
            }

            list.Add(grantee with { Grants = grants.AsReadOnly() });
        }

        list.Sort((a, b) => a.Fingerprint.CompareTo(b.Fingerprint));
        for (var i = 1; i < list.Count; i++)
        {
            if (list[i].Fingerprint.Equals(list[i - 1].Fingerprint))
                throw new ArgumentException($"Fingerprint {list[i].Fingerprint} appears twice.", nameof(grantees));
        }

        if (list.Select(g => g.GranteeId).Distinct(StringComparer.Ordinal).Count() != list.Count)
            throw new ArgumentException("A grantee id appears twice.", nameof(grantees));
        return list.AsReadOnly();
    }

    /// <summary>An entry read off the wire, checked as the constructor checks a grant (apart from the section list, which the header holds).</summary>
    internal static GrantEntry ValidEntry(GrantEntry entry)
    {
        ValidateId(entry.GranteeId, nameof(entry));
        ValidateSectionCode(entry.Section, nameof(entry));
        return entry with { Grant = NormalizeGrant(entry.Grant, null) };
    }

    private static SectionGrant NormalizeGrant(SectionGrant grant, HashSet<string>? sectionCodes)
    {
        ArgumentNullException.ThrowIfNull(grant);
        if (sectionCodes is not null && !sectionCodes.Contains(grant.Section))
            throw new ArgumentException($"A grant names section '{grant.Section}', which the statement does not list.", nameof(grant));
        if (grant.Actions is not (GrantActions.Read or GrantActions.Write or (GrantActions.Read | GrantActions.Write)))
            throw new ArgumentException("A grant's actions must be read, write or both.", nameof(grant));
        var start = ToMilliseconds(grant.Start);
        var end = grant.End is { } e ? ToMilliseconds(e) : (DateTimeOffset?)null;
        if (end <= start)
            throw new ArgumentException("A grant's period must end after it starts.", nameof(grant));
        return grant with { Start = start, End = end };
    }

    private static DateTimeOffset ToMilliseconds(DateTimeOffset value) =>
        DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());

    internal static void ValidateId(string id, string paramName)
    {
        ArgumentException.ThrowIfNullOrEmpty(id, paramName);
        int length;
        try
        {
            length = StrictUtf8.GetByteCount(id);
        }
        catch (EncoderFallbackException)
        {
            throw new ArgumentException("An id is not valid Unicode.", paramName);
        }

        if (length > MaxIdBytes)
            throw new ArgumentException($"An id is longer than {MaxIdBytes} UTF-8 bytes.", paramName);
    }

    private static void ValidateSectionCode(string code, string paramName)
    {
        if (!EnvelopeContext.IsValidSectionCode(code))
            throw new ArgumentException($"'{code}' is not a valid section code (1-32 of a-z, 0-9, '-').", paramName);
    }

    internal static DateTimeOffset ReadTime(ref CanonicalReader reader)
    {
        var milliseconds = reader.ReadInt64();
        try
        {
            return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new GrantStatementFormatException("A time in the grant statement is out of range.", ex);
        }
    }
}
