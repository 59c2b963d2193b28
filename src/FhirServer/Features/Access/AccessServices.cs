using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SeSPHR.FhirServer.Features.Access.Audit;
using SeSPHR.FhirServer.Features.Access.Authentication;
using SeSPHR.FhirServer.Features.Access.Consents;
using SeSPHR.FhirServer.Features.Access.Srs;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Features.Access;

public static class AccessServices
{
    /// <summary>
    /// Authentication, the per-request policy and the write guard. The SRS clients and the durable
    /// audit are registered by their own features; registered before this or after it, theirs win
    /// over the fallbacks here, which fail closed (503) except in the plain configuration without
    /// authentication, where no SRS exists to reconcile Consents with.
    /// </summary>
    public static IServiceCollection AddFhirAccess(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddFhirAuthentication(configuration);
        services.AddHttpContextAccessor();
        services.AddSingleton<PatientConsentsCache>();
        services.AddScoped<RequestAccess>();
        services.AddScoped<DisclosurePolicy>();
        services.AddScoped<ResponseShaper>();
        services.AddScoped<EnvelopeWriters>();
        services.AddScoped<WriteGuard>();
        services.Replace(ServiceDescriptor.Scoped<IResourceStore, GuardedResourceStore>());

        services.TryAddSingleton<IReencryptionGateway, UnconfiguredSrs>();
        services.TryAddSingleton<IAccessAudit, UnconfiguredAudit>();
        services.TryAddSingleton<IGrantReconciler>(provider =>
            provider.GetRequiredService<IOptions<FhirAuthOptions>>().Value.Required ? new UnconfiguredSrs() : new NoSrsToReconcile());
        // Without authentication there is no SRS to keep kfrags in step with, even when an SRS
        // client is registered: Consents are stored as they are.
        if (!configuration.GetValue("Fhir:Auth:Required", true))
        {
            services.Replace(ServiceDescriptor.Singleton<IGrantReconciler, NoSrsToReconcile>());
        }

        return services;
    }

    /// <summary>No SRS client is registered: every call is a 503, never a silent success.</summary>
    private sealed class UnconfiguredSrs : IReencryptionGateway, IGrantReconciler
    {
        public Task<IReadOnlyList<ReencryptionResult>> ReencryptAsync(string granteeUserId, IReadOnlyList<CapsuleToReencrypt> items, CancellationToken cancellationToken) =>
            throw new SrsUnavailableException("No SRS client is configured.");

        public Task ReconcileAsync(string consentId, string patient, IReadOnlyList<ImpliedGrant> grants, CancellationToken cancellationToken) =>
            throw new SrsUnavailableException("No SRS client is configured.");
    }

    /// <summary>The plain configuration (no authentication): Consents are stored, no SRS holds kfrags for them.</summary>
    private sealed class NoSrsToReconcile : IGrantReconciler
    {
        public Task ReconcileAsync(string consentId, string patient, IReadOnlyList<ImpliedGrant> grants, CancellationToken cancellationToken) =>
            Task.CompletedTask;
    }

    /// <summary>No durable audit is registered: an access that would need one is refused (503).</summary>
    private sealed class UnconfiguredAudit : IAccessAudit
    {
        public Task RecordAsync(IReadOnlyList<AccessRecord> records, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("No durable access audit is configured.");
    }
}
