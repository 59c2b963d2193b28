using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using SeSPHR.FhirServer.Features.Access.Srs;

namespace SeSPHR.FhirServer.Features.Access.Authentication;

/// <summary>
/// <c>/healthz</c> is unhealthy while the gate refuses every user token because the SRS's list of
/// suspended accounts is not current (<see cref="WithdrawnAccounts.IsCurrent"/>): a wrong service
/// secret or an SRS that stays away shows at once, not as a stream of 503s. A server that accepts no
/// tokens at all (no <c>Fhir:Auth:Authority</c>, the plain FHIR configuration) needs no list.
/// </summary>
public sealed class SuspendedAccountsHealthCheck(IOptions<FhirAuthOptions> auth, WithdrawnAccounts withdrawn) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(string.IsNullOrWhiteSpace(auth.Value.Authority) || withdrawn.IsCurrent
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("the SRS's list of suspended accounts is not loaded or is stale: user tokens are refused"));
}
