namespace SeSPHR.Phr.Masking;

/// <summary>
/// A clear part and its section payloads do not fit together: a payload of another resource or
/// section, a malformed payload, or a clear part altered since the split. The message names
/// elements only, never a value.
/// </summary>
public sealed class SectionMergeException : Exception
{
    public SectionMergeException()
    {
    }

    public SectionMergeException(string message)
        : base(message)
    {
    }

    public SectionMergeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
