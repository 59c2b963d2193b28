namespace SeSPHR.FhirServer.Features.Access.Audit;

/// <summary>
/// One access to protected data, as the AuditEvent will tell it: who (SRS user id, role,
/// fhirUser), which patient, which resource (<c>Type/id</c>, version when known) and section, what
/// was done (<c>read</c>, <c>vread</c>, <c>search</c>, <c>count</c> (the resource is then the
/// Patient whose record was counted in), <c>history</c>, <c>everything</c>,
/// <c>create</c>, <c>update</c>, <c>patch</c>, <c>delete</c>), the outcome and when.
/// </summary>
public sealed record AccessRecord(
    DateTimeOffset At,
    string CallerUserId,
    string CallerRole,
    string? CallerFhirUser,
    string Patient,
    string ResourceKey,
    long? VersionId,
    string? Section,
    string Action,
    AccessOutcome Outcome,
    string? RequestId);

public enum AccessOutcome
{
    Success,
    Denied,
    Failed,
}

/// <summary>
/// Durable audit: <see cref="RecordAsync"/> returns once the records are committed, and records
/// of concurrent requests are committed together (group commit), so audit does not halve throughput.
/// </summary>
public interface IAccessAudit
{
    Task RecordAsync(IReadOnlyList<AccessRecord> records, CancellationToken cancellationToken);
}
