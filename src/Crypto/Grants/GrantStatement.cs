using System.Collections.ObjectModel;
using System.Text;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Primitives;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Crypto.Grants;

/// <summary>
/// The patient's own account of who may do what, the source of truth clients trust instead of the
/// servers: the statement number, per section the current epoch and public key, and per grantee the
/// key fingerprint, the actions per section and their period. It has exactly one byte encoding
/// (<see cref="ToCanonicalBytes"/>, described in <c>src/Crypto/Grants/README.md</c>), and only the
/// patient's signature over those bytes, under the grant-statement domain tag, makes it count
/// (<see cref="Sign"/>, <see cref="SignedGrantStatement.Verify"/>).
/// </summary>
/// <remarks>
/// The constructor validates and puts every list into canonical order (sections by code, grantees by
/// fingerprint, grants by section); times are kept to the millisecond, in UTC.
/// </remarks>
public sealed class GrantStatement
{
    /// <summary>The domain tag every grant-statement signature is made under, distinct from envelope and kfrag tags.</summary>
    public const string SignatureDomainTag = "SeSPHR/grant-statement/v1";

    public const byte FormatVersion = 1;

    public const int MaxIdBytes = 1024;

    /// <summary>Section codes follow the envelope's rule: 1 to 32 of <c>a-z 0-9 -</c>.</summary>
    public const int MaxSectionCodeLength = EnvelopeContext.MaxSectionCodeLength;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly byte[] _canonicalBytes;

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
        _canonicalBytes = Encode();
    }

    /// <summary>Magic at the start of the canonical bytes.</summary>
    public static ReadOnlySpan<byte> Magic => "SPGS"u8;

    public string PatientId { get; }

    /// <summary>Increases with every statement the patient issues; clients refuse to go back.</summary>
    public long Number { get; }

    public DateTimeOffset IssuedAt { get; }

    public IReadOnlyList<SectionKey> Sections { get; }

    public IReadOnlyList<GranteeGrants> Grantees { get; }

    /// <summary>The canonical encoding (a copy): what is signed, hashed and compared.</summary>
    public byte[] ToCanonicalBytes() => (byte[])_canonicalBytes.Clone();

    internal ReadOnlySpan<byte> CanonicalBytes => _canonicalBytes;

    /// <summary>
    /// Parses a canonical encoding. Anything that is not exactly what <see cref="ToCanonicalBytes"/>
    /// would produce for the statement it describes is refused. Parsing proves nothing about who wrote
    /// it: use <see cref="SignedGrantStatement.Verify"/>.
    /// </summary>
    /// <exception cref="GrantStatementFormatException">Not a canonical version-1 grant statement.</exception>
    public static GrantStatement FromCanonicalBytes(ReadOnlySpan<byte> bytes)
    {
        GrantStatement statement;
        try
        {
            statement = Decode(bytes);
        }
        catch (ArgumentException ex)
        {
            throw new GrantStatementFormatException("The grant statement holds an invalid value.", ex);
        }
        catch (UmbralException ex)
        {
            throw new GrantStatementFormatException("The grant statement holds an invalid section public key.", ex);
        }

        if (!statement.CanonicalBytes.SequenceEqual(bytes))
            throw new GrantStatementFormatException("The grant statement is not in canonical form.");
        return statement;
    }

    /// <summary>Signs the canonical bytes with the patient's signing key under <see cref="SignatureDomainTag"/>.</summary>
    public SignedGrantStatement Sign(Signer patientSigner, IRandomSource? rng = null)
    {
        ArgumentNullException.ThrowIfNull(patientSigner);
        var signature = patientSigner.Sign(SignedGrantStatement.SignedMessage(_canonicalBytes), rng);
        return new SignedGrantStatement(_canonicalBytes, signature);
    }

    public SectionKey? FindSection(string section) => Sections.FirstOrDefault(s => s.Section == section);

    public GranteeGrants? FindGrantee(KeyFingerprint fingerprint) => Grantees.FirstOrDefault(g => g.Fingerprint.Equals(fingerprint));

    /// <summary>Whether the grantee with <paramref name="fingerprint"/> may do <paramref name="action"/> in <paramref name="section"/> at <paramref name="at"/>.</summary>
    public bool Allows(KeyFingerprint fingerprint, string section, GrantActions action, DateTimeOffset at) =>
        FindGrantee(fingerprint)?.Grants.Any(g => g.Section == section && g.Allows(action, at)) ?? false;

    public override string ToString() => $"GrantStatement({PatientId} #{Number}, {Sections.Count} sections, {Grantees.Count} grantees)";

    private static ReadOnlyCollection<SectionKey> NormalizeSections(IEnumerable<SectionKey> sections)
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

    private static SectionGrant NormalizeGrant(SectionGrant grant, HashSet<string> sectionCodes)
    {
        ArgumentNullException.ThrowIfNull(grant);
        if (!sectionCodes.Contains(grant.Section))
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

    private static void ValidateId(string id, string paramName)
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

    private byte[] Encode()
    {
        var writer = new CanonicalWriter();
        writer.WriteBytes(Magic);
        writer.WriteByte(FormatVersion);
        writer.WriteString(PatientId);
        writer.WriteUInt64((ulong)Number);
        writer.WriteInt64(IssuedAt.ToUnixTimeMilliseconds());
        writer.WriteUInt32((uint)Sections.Count);
        foreach (var section in Sections)
        {
            writer.WriteString(section.Section);
            writer.WriteUInt32(section.Epoch);
            writer.WriteBytes(section.PublicKey.ToCompressedBytes());
        }

        writer.WriteUInt32((uint)Grantees.Count);
        foreach (var grantee in Grantees)
        {
            writer.WriteBytes(grantee.Fingerprint.Bytes);
            writer.WriteString(grantee.GranteeId);
            writer.WriteUInt32((uint)grantee.Grants.Count);
            foreach (var grant in grantee.Grants)
            {
                writer.WriteString(grant.Section);
                writer.WriteByte((byte)grant.Actions);
                writer.WriteInt64(grant.Start.ToUnixTimeMilliseconds());
                if (grant.End is { } end)
                {
                    writer.WriteByte(1);
                    writer.WriteInt64(end.ToUnixTimeMilliseconds());
                }
                else
                {
                    writer.WriteByte(0);
                }
            }
        }

        return writer.ToArray();
    }

    private static GrantStatement Decode(ReadOnlySpan<byte> bytes)
    {
        var reader = new CanonicalReader(bytes);
        if (!reader.ReadBytes(Magic.Length).SequenceEqual(Magic))
            throw new GrantStatementFormatException("Not a grant statement (wrong magic).");
        if (reader.ReadByte() != FormatVersion)
            throw new GrantStatementFormatException("Unknown grant statement format version.");

        var patientId = reader.ReadString(MaxIdBytes);
        var number = reader.ReadUInt64();
        if (number > long.MaxValue)
            throw new GrantStatementFormatException("The statement number is out of range.");
        var issuedAt = ReadTime(ref reader);

        var sections = new List<SectionKey>();
        for (int i = 0, count = reader.ReadCount(minItemSize: 4 + 1 + 4 + PublicKey.CompressedSize); i < count; i++)
        {
            var code = reader.ReadString(MaxSectionCodeLength);
            var epoch = reader.ReadUInt32();
            sections.Add(new SectionKey(code, epoch, PublicKey.FromBytes(reader.ReadBytes(PublicKey.CompressedSize))));
        }

        var grantees = new List<GranteeGrants>();
        for (int i = 0, count = reader.ReadCount(minItemSize: KeyFingerprint.Size + 4 + 1 + 4); i < count; i++)
        {
            var fingerprint = KeyFingerprint.FromBytes(reader.ReadBytes(KeyFingerprint.Size));
            var granteeId = reader.ReadString(MaxIdBytes);
            var grants = new List<SectionGrant>();
            for (int j = 0, grantCount = reader.ReadCount(minItemSize: 4 + 1 + 1 + 8 + 1); j < grantCount; j++)
            {
                var section = reader.ReadString(MaxSectionCodeLength);
                var actions = (GrantActions)reader.ReadByte();
                var start = ReadTime(ref reader);
                DateTimeOffset? end = reader.ReadByte() switch
                {
                    0 => null,
                    1 => ReadTime(ref reader),
                    _ => throw new GrantStatementFormatException("A grant's end marker is neither 0 nor 1."),
                };
                grants.Add(new SectionGrant(section, actions, start, end));
            }

            grantees.Add(new GranteeGrants(granteeId, fingerprint, grants));
        }

        reader.EnsureEnd();
        return new GrantStatement(patientId, (long)number, issuedAt, sections, grantees);
    }

    private static DateTimeOffset ReadTime(ref CanonicalReader reader)
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
