using SeSPHR.Crypto.Grants;
using SeSPHR.FhirServer.Features.Access.Consents;
using SeSPHR.Phr.Sections;

namespace SeSPHR.FhirServer.Features.Access.Srs;

/// <summary>
/// <see cref="IGrantReconciler"/> over <c>PUT /api/consents/{id}/grants</c> (src/Srs/API.md): the
/// whole set of grants a Consent now implies, in one call, since the SRS deletes every kfrag of the
/// Consent the set does not cover. The path carries the Consent's logical id.
/// </summary>
public sealed partial class HttpGrantReconciler(SrsConnection srs, ILogger<HttpGrantReconciler> logger) : IGrantReconciler
{
    private const string Operation = "grant reconciliation";

    public async Task ReconcileAsync(string consentId, string patient, IReadOnlyList<ImpliedGrant> grants, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(consentId);
        ArgumentException.ThrowIfNullOrEmpty(patient);
        ArgumentNullException.ThrowIfNull(grants);

        var logicalId = LogicalIdOf(consentId);
        var request = new ReconcileRequest(patient, [.. grants.Select(ToWire)]);
        var answer = await srs.SendAsync<ReconcileRequest, ReconcileResponse>(
            HttpMethod.Put, $"/api/consents/{Uri.EscapeDataString(logicalId)}/grants", request, Operation, cancellationToken);
        LogReconciled(logger, logicalId, answer.Active, answer.Deleted);
    }

    /// <summary><c>Consent/c1</c> or <c>c1</c> → <c>c1</c>; anything else is a caller's mistake.</summary>
    internal static string LogicalIdOf(string consentId)
    {
        var id = consentId.StartsWith("Consent/", StringComparison.Ordinal) ? consentId["Consent/".Length..] : consentId;
        return id.Length > 0 && !id.Contains('/', StringComparison.Ordinal)
            ? id
            : throw new ArgumentException("Expected a Consent id (c1) or reference (Consent/c1).", nameof(consentId));
    }

    private static ReconcileGrantItem ToWire(ImpliedGrant grant) => new(
        grant.Grantee.Reference,
        grant.Grantee.Role?.ToCode(),
        grant.Section.ToCode(),
        ActionsOf(grant.Actions),
        WireInstant.Format(grant.Start?.ToUniversalTime()),
        WireInstant.Format(grant.End?.ToUniversalTime()));

    private static string[] ActionsOf(GrantActions actions) =>
    [
        .. actions.HasFlag(GrantActions.Read) ? ["read"] : Array.Empty<string>(),
        .. actions.HasFlag(GrantActions.Write) ? ["write"] : Array.Empty<string>(),
    ];

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "SRS reconciled Consent/{ConsentId}: {Active} kfrags active, {Deleted} deleted")]
    private static partial void LogReconciled(ILogger logger, string consentId, int active, int deleted);
}
