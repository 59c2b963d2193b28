namespace SeSPHR.Crypto.Umbral;

/// <summary>
/// The sliver of MessagePack the reference's serialization uses: a struct is a fixarray of its
/// fields, byte strings are bin8, booleans are c2/c3. Anything else is rejected.
/// </summary>
internal ref struct MessagePackWriter(Span<byte> destination)
{
    private readonly Span<byte> _destination = destination;

    public int Position { get; private set; }

    public void WriteArrayHeader(int count)
    {
        _destination[Position++] = (byte)(0x90 | count);
    }

    /// <summary>Reserves a bin8 field of <paramref name="length"/> bytes and returns it to be filled.</summary>
    public Span<byte> WriteBinary(int length)
    {
        _destination[Position++] = 0xc4;
        _destination[Position++] = (byte)length;
        var field = _destination.Slice(Position, length);
        Position += length;
        return field;
    }

    public void WriteBinary(ReadOnlySpan<byte> value) => value.CopyTo(WriteBinary(value.Length));

    public void WriteBoolean(bool value) => _destination[Position++] = value ? (byte)0xc3 : (byte)0xc2;
}

internal ref struct MessagePackReader(ReadOnlySpan<byte> source, string what)
{
    private readonly ReadOnlySpan<byte> _source = source;
    private readonly string _what = what;
    private int _position;

    public void ReadArrayHeader(int expectedCount)
    {
        if (_position >= _source.Length || _source[_position] != (byte)(0x90 | expectedCount))
            throw Invalid();
        _position++;
    }

    public ReadOnlySpan<byte> ReadBinary(int expectedLength)
    {
        if (_position + 2 + expectedLength > _source.Length
            || _source[_position] != 0xc4
            || _source[_position + 1] != expectedLength)
        {
            throw Invalid();
        }

        var field = _source.Slice(_position + 2, expectedLength);
        _position += 2 + expectedLength;
        return field;
    }

    public bool ReadBoolean()
    {
        if (_position >= _source.Length)
            throw Invalid();
        var value = _source[_position++];
        return value switch
        {
            0xc3 => true,
            0xc2 => false,
            _ => throw Invalid(),
        };
    }

    public readonly void EnsureEnd()
    {
        if (_position != _source.Length)
            throw Invalid();
    }

    private readonly InvalidEncodingException Invalid() => new($"Invalid MessagePack layout for {_what}.");
}
