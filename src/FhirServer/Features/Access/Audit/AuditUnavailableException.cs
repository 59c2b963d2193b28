namespace SeSPHR.FhirServer.Features.Access.Audit;

/// <summary>
/// The access could not be recorded durably (the database failed or the server is stopping); the
/// protected data must not be served, so the response becomes a 503. Carries no record content.
/// </summary>
public sealed class AuditUnavailableException : Exception
{
    public AuditUnavailableException()
    {
    }

    public AuditUnavailableException(string message)
        : base(message)
    {
    }

    public AuditUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
