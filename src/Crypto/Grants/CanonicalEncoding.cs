using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace SeSPHR.Crypto.Grants;

/// <summary>Big-endian, length-prefixed writing: one byte string per value, no ambiguity between fields.</summary>
internal sealed class CanonicalWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(512);

    public void WriteBytes(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

    public void WriteByte(byte value) => _buffer.Write([value]);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Next(4), value);

    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64BigEndian(Next(8), value);

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64BigEndian(Next(8), value);

    public void WriteLengthPrefixed(ReadOnlySpan<byte> bytes)
    {
        WriteUInt32((uint)bytes.Length);
        WriteBytes(bytes);
    }

    public void WriteString(string value) => WriteLengthPrefixed(Encoding.UTF8.GetBytes(value));

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    private Span<byte> Next(int size)
    {
        var span = _buffer.GetSpan(size)[..size];
        _buffer.Advance(size);
        return span;
    }
}

/// <summary>
/// The strict reader for <see cref="CanonicalWriter"/>'s output: every read checks the remaining
/// length and every failure is a <see cref="GrantStatementFormatException"/>.
/// </summary>
internal ref struct CanonicalReader(ReadOnlySpan<byte> bytes)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _bytes = bytes;
    private int _offset;

    public readonly int Remaining => _bytes.Length - _offset;

    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count < 0 || count > Remaining)
            throw new GrantStatementFormatException("The grant statement is truncated.");
        var span = _bytes.Slice(_offset, count);
        _offset += count;
        return span;
    }

    public byte ReadByte() => ReadBytes(1)[0];

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(ReadBytes(4));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64BigEndian(ReadBytes(8));

    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(ReadBytes(8));

    /// <summary>A u32 count of items each at least <paramref name="minItemSize"/> bytes long; bounded by what is left.</summary>
    public int ReadCount(int minItemSize)
    {
        var count = ReadUInt32();
        if (count > (uint)(Remaining / minItemSize))
            throw new GrantStatementFormatException("A count in the grant statement exceeds the bytes that follow.");
        return (int)count;
    }

    public string ReadString(int maxBytes)
    {
        var length = ReadUInt32();
        if (length > (uint)maxBytes)
            throw new GrantStatementFormatException("A string in the grant statement is too long.");
        var bytes = ReadBytes((int)length);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new GrantStatementFormatException("A string in the grant statement is not valid UTF-8.", ex);
        }
    }

    public readonly void EnsureEnd()
    {
        if (Remaining != 0)
            throw new GrantStatementFormatException("The grant statement has trailing bytes.");
    }
}
