using SeSPHR.FhirServer.Search;

namespace SeSPHR.FhirServer.Storage;

/// <summary>
/// One write of a request (create, update or delete), ready to commit: the new current version
/// and its search values. <see cref="ReplacesExisting"/> says the resource had a row before,
/// whose search values must go.
/// </summary>
public sealed record ResourceWrite(StoredResource Resource, SearchIndex Index, bool ReplacesExisting);

/// <summary>Another writer changed the resource between our read and our commit.</summary>
public sealed class ConcurrentWriteException : Exception
{
    public ConcurrentWriteException()
    {
    }

    public ConcurrentWriteException(string message)
        : base(message)
    {
    }

    public ConcurrentWriteException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
