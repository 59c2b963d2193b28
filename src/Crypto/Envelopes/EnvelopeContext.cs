using System.Buffers.Binary;
using System.Text;

namespace SeSPHR.Crypto.Envelopes;

/// <summary>
/// Where an envelope belongs: resource type, the client-chosen logical id, section code and key
/// epoch. It is bound into the ciphertext's associated data and the writer's signature, so an
/// envelope only opens in the place it was written for.
/// </summary>
public sealed record EnvelopeContext
{
    public const int MaxSectionCodeLength = 32;
    public const int MaxIdLength = 64;

    public EnvelopeContext(string resourceType, string logicalId, string sectionCode, uint epoch)
    {
        if (string.IsNullOrEmpty(resourceType) || resourceType.Length > MaxIdLength || !resourceType.All(char.IsAsciiLetter))
            throw new ArgumentException("A resource type is 1-64 ASCII letters.", nameof(resourceType));
        if (string.IsNullOrEmpty(logicalId) || logicalId.Length > MaxIdLength || !logicalId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.'))
            throw new ArgumentException("A logical id is a FHIR id: 1-64 of A-Z, a-z, 0-9, '-', '.'.", nameof(logicalId));
        if (!IsValidSectionCode(sectionCode))
            throw new ArgumentException("A section code is 1-32 of a-z, 0-9, '-'.", nameof(sectionCode));
        ResourceType = resourceType;
        LogicalId = logicalId;
        SectionCode = sectionCode;
        Epoch = epoch;
    }

    public string ResourceType { get; }

    public string LogicalId { get; }

    public string SectionCode { get; }

    public uint Epoch { get; }

    internal static bool IsValidSectionCode(string? sectionCode) =>
        !string.IsNullOrEmpty(sectionCode) && sectionCode.Length <= MaxSectionCodeLength
        && sectionCode.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');

    /// <summary>
    /// The unambiguous encoding shared by the AEAD's associated data and the signed message: every
    /// field as a 4-byte big-endian length followed by its bytes, in a fixed order.
    /// </summary>
    internal void Encode(EnvelopeWriter writer, byte formatVersion, byte algorithmId, ReadOnlySpan<byte> envelopeId)
    {
        writer.WriteField([formatVersion]);
        writer.WriteField([algorithmId]);
        writer.WriteField(Encoding.ASCII.GetBytes(ResourceType));
        writer.WriteField(Encoding.ASCII.GetBytes(LogicalId));
        writer.WriteField(Encoding.ASCII.GetBytes(SectionCode));
        Span<byte> epoch = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(epoch, Epoch);
        writer.WriteField(epoch);
        writer.WriteField(envelopeId);
    }
}

/// <summary>Appends length-prefixed fields (u32 big-endian length, then the bytes) to a growing buffer.</summary>
internal sealed class EnvelopeWriter
{
    private byte[] _buffer;

    public EnvelopeWriter(int capacity)
    {
        _buffer = new byte[capacity];
        Length = 0;
    }

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Length);

    public void WriteField(ReadOnlySpan<byte> value)
    {
        Ensure(4 + value.Length);
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(Length), (uint)value.Length);
        value.CopyTo(_buffer.AsSpan(Length + 4));
        Length += 4 + value.Length;
    }

    private void Ensure(int extra)
    {
        if (Length + extra <= _buffer.Length)
            return;
        Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + extra));
    }
}
