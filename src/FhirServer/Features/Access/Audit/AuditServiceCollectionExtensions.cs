namespace SeSPHR.FhirServer.Features.Access.Audit;

public static class AuditServiceCollectionExtensions
{
    /// <summary>
    /// Durable access audit (<c>Fhir:Audit</c>): <see cref="IAccessAudit"/> is the group-commit
    /// writer, started and drained with the host.
    /// </summary>
    public static IServiceCollection AddAccessAudit(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<AuditOptions>(configuration.GetSection(AuditOptions.Section));
        services.AddSingleton<AccessAuditEvents>();
        services.AddSingleton<GroupCommitAccessAudit>();
        services.AddSingleton<IAccessAudit>(provider => provider.GetRequiredService<GroupCommitAccessAudit>());
        services.AddHostedService(provider => provider.GetRequiredService<GroupCommitAccessAudit>());
        return services;
    }
}
