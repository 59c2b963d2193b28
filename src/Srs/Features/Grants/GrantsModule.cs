using System.Security.Claims;
using FluentValidation;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SeSPHR.Srs.Security;

namespace SeSPHR.Srs.Features.Grants;

/// <summary>Wiring of the grant feature: kfrag upload, Consent reconciliation, re-encryption.</summary>
public static class GrantsModule
{
    /// <summary>Rate-limiting policy of <c>POST /api/reencrypt</c>, a token bucket per validated calling client.</summary>
    public const string ReencryptRateLimit = "srs-reencrypt";

    /// <summary>The bucket of <see cref="ReencryptRateLimit"/>: <c>Srs:ReencryptRequestsPerSecond</c> per validated client, after authorization.</summary>
    public static readonly SrsRateLimits.PerClientBucket ReencryptBucket = new(
        ReencryptRateLimit, services => services.GetRequiredService<IOptions<GrantOptions>>().Value.ReencryptRequestsPerSecond);

    /// <summary>
    /// Registers the grant services. Expects the <c>SrsDbContext</c>, an <c>NpgsqlDataSource</c> over the
    /// same database (the re-encryption path reads and logs with plain Npgsql) and an <c>IKeyDirectory</c>
    /// from the accounts feature, and the SRS's caller rate limits (<c>SrsRateLimits</c>) in Program.cs
    /// for the re-encryption bucket the endpoint names.
    /// </summary>
    public static IServiceCollection AddGrants(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<GrantOptions>(configuration.GetSection("Srs"));
        services.TryAddSingleton(TimeProvider.System);
        services.AddProblemDetails();
        services.AddSingleton<CfragCache>();
        services.AddScoped<GrantService>();
        services.AddScoped<GrantReconciler>();
        services.AddScoped<ReencryptionService>();
        services.AddScoped<PendingMembers>();
        services.AddScoped<MemberDeparture>();
        services.AddSingleton<ReencryptionLookup>();
        services.AddSingleton<ReencryptionLog>();
        services.AddHostedService(provider => provider.GetRequiredService<ReencryptionLog>());
        services.AddScoped<IValidator<GrantUploadRequest>, GrantUploadRequestValidator>();
        services.AddScoped<IValidator<ReconcileRequest>, ReconcileRequestValidator>();
        // Built once: a validator's constructor assembles its rules, which cost 5 % of the SRS's CPU
        // per re-encryption call when it was built per request; it holds no state between calls.
        services.AddSingleton<IValidator<ReencryptRequest>, ReencryptRequestValidator>();
        services.AddHostedService<PendingGrantSweeper>();
        return services;
    }

    public static IEndpointRouteBuilder MapGrants(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Grants");
        api.MapPost("/grants", (HttpRequest http, IValidator<GrantUploadRequest> validator, GrantService grants, ClaimsPrincipal user, CancellationToken cancellationToken) =>
                GrantEndpoints.WithJsonBodyAsync<GrantUploadRequest>(http, body => GrantEndpoints.UploadAsync(body, validator, grants, user, cancellationToken)))
            .Accepts<GrantUploadRequest>("application/json")
            .RequireAuthorization(SrsPolicies.PatientGrants)
            .Produces<GrantUploadResponse>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapGet("/grants", GrantEndpoints.ListAsync)
            .RequireAuthorization(SrsPolicies.PatientGrants)
            .Produces<IReadOnlyList<GrantRecordResponse>>()
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("/grants/pending-members", GrantEndpoints.PendingMembersAsync)
            .RequireAuthorization(SrsPolicies.PatientGrants)
            .Produces<IReadOnlyList<PendingMemberResponse>>()
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapPut("/consents/{consentId}/grants", (string consentId, HttpRequest http, IValidator<ReconcileRequest> validator, GrantReconciler reconciler, CancellationToken cancellationToken) =>
                GrantEndpoints.WithJsonBodyAsync<ReconcileRequest>(http, body => GrantEndpoints.ReconcileAsync(consentId, body, validator, reconciler, cancellationToken)))
            .Accepts<ReconcileRequest>("application/json")
            .RequireAuthorization(SrsPolicies.Revoke)
            .Produces<ReconcileResponse>()
            .ProducesValidationProblem();
        api.MapPost("/reencrypt", (HttpRequest http, IValidator<ReencryptRequest> validator, ReencryptionService reencryption, CancellationToken cancellationToken) =>
                GrantEndpoints.WithJsonBodyAsync<ReencryptRequest>(http, body => GrantEndpoints.ReencryptAsync(body, validator, reencryption, cancellationToken)))
            .Accepts<ReencryptRequest>("application/json")
            .RequireAuthorization(SrsPolicies.Reencrypt)
            .WithMetadata(ReencryptBucket)
            .Produces<ReencryptResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return app;
    }
}
