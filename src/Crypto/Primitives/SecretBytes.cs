using System.Diagnostics;
using System.Security.Cryptography;

namespace SeSPHR.Crypto.Primitives;

/// <summary>
/// Secret key material that never shows its contents: <see cref="ToString"/>, the debugger and
/// string interpolation print only the length, and <see cref="Dispose"/> overwrites the bytes with
/// zeros. The buffer lives on the pinned object heap, so the garbage collector never leaves a
/// stray copy behind when it compacts memory.
/// </summary>
[DebuggerDisplay("{ToString(),nq}")]
[DebuggerTypeProxy(typeof(DebugView))]
public sealed class SecretBytes : IDisposable
{
    [DebuggerBrowsable(DebuggerBrowsableState.Never)]
    private readonly byte[] _bytes;

    [DebuggerBrowsable(DebuggerBrowsableState.Never)]
    private bool _disposed;

    private SecretBytes(int length)
    {
        _bytes = GC.AllocateArray<byte>(length, pinned: true);
    }

    /// <summary>Number of secret bytes; not a secret.</summary>
    public int Length => _bytes.Length;

    /// <summary>Copies <paramref name="source"/> into a new secret buffer. The caller still owns (and should clear) the source.</summary>
    public static SecretBytes CopyFrom(ReadOnlySpan<byte> source)
    {
        var secret = new SecretBytes(source.Length);
        source.CopyTo(secret._bytes);
        return secret;
    }

    /// <summary>Creates a zero-filled buffer that an internal producer fills through <see cref="AsWritableSpan"/>.</summary>
    internal static SecretBytes Allocate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return new SecretBytes(length);
    }

    /// <summary>Read access to the secret; throws once the buffer has been disposed.</summary>
    public ReadOnlySpan<byte> AsSpan()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _bytes;
    }

    internal Span<byte> AsWritableSpan()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _bytes;
    }

    /// <summary>A copy the caller owns and must clear (for example with <see cref="CryptographicOperations.ZeroMemory"/>).</summary>
    public byte[] ToArray() => AsSpan().ToArray();

    /// <summary>Compares in time that does not depend on where the contents differ.</summary>
    public bool FixedTimeEquals(SecretBytes other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return CryptographicOperations.FixedTimeEquals(AsSpan(), other.AsSpan());
    }

    /// <summary>Never the contents: only the length.</summary>
    public override string ToString() => _disposed ? "SecretBytes(disposed)" : $"SecretBytes({_bytes.Length} bytes, redacted)";

    /// <summary>Overwrites the contents with zeros; later reads throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        CryptographicOperations.ZeroMemory(_bytes);
        _disposed = true;
    }

    private sealed class DebugView(SecretBytes secret)
    {
        public int Length { get; } = secret.Length;

        public string Contents { get; } = "redacted";
    }
}
