namespace SeSPHR.FhirServer.Features.Access.Audit;

/// <summary>How the audit writer groups records into transactions (configuration section <c>Fhir:Audit</c>).</summary>
public sealed class AuditOptions
{
    public const string Section = "Fhir:Audit";

    /// <summary>The most records one transaction writes (a single request's records are never split).</summary>
    public int MaxBatch { get; set; } = 512;

    /// <summary>
    /// How long the writer waits for more records before it commits a batch that is not full.
    /// Zero by default: the next batch starts as soon as the previous commit returns, and whatever
    /// arrived meanwhile goes together, so grouping grows with load without delaying a lone request.
    /// </summary>
    public TimeSpan MaxLinger { get; set; } = TimeSpan.Zero;

    /// <summary>How many requests may wait to be audited before new ones wait for room (back-pressure, bounded memory).</summary>
    public int QueueCapacity { get; set; } = 16_384;

    /// <summary>The identifier of this server as the audit source (<c>AuditEvent.source.observer</c>).</summary>
    public string SourceId { get; set; } = "sesphr-fhirserver";
}
