using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenIddict.Validation.AspNetCore;
using SeSPHR.Srs.Features.Accounts;
using SeSPHR.Srs.Storage;

namespace SeSPHR.Srs.Security;

/// <summary>
/// The policies of <see cref="SrsPolicies"/> over access tokens the SRS issued (OpenIddict
/// validation with the local server). A user's status is read from the database on each call, so
/// a suspension takes effect at once on the SRS's own API, not only at the next refresh.
/// </summary>
public static class SrsAuthorization
{
    /// <summary>The client id of the FhirServer's service client.</summary>
    public const string FhirServiceClientId = "sesphr-fhir";

    public static IServiceCollection AddSrsAuthorization(this IServiceCollection services)
    {
        services.AddScoped<IAuthorizationHandler, ActiveAccountHandler>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ServiceTokenCache>();
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ServiceTokenAuthenticationHandler>(ServiceTokenAuthenticationHandler.SchemeName, scheme =>
        {
            // 401 and 403 look exactly as OpenIddict's (WWW-Authenticate with its error codes).
            scheme.ForwardChallenge = OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme;
            scheme.ForwardForbid = OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme;
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(SrsPolicies.SignedIn, policy => Bearer(policy).AddRequirements(new ActiveAccountRequirement(null)))
            .AddPolicy(SrsPolicies.Admin, policy => Bearer(policy).AddRequirements(new ActiveAccountRequirement(Roles.Admin)))
            .AddPolicy(SrsPolicies.PatientGrants, policy => Bearer(policy)
                .AddRequirements(new ActiveAccountRequirement(Roles.Patient))
                .RequireAssertion(context => HasScope(context.User, "srs.grants")))
            .AddPolicy(SrsPolicies.Reencrypt, policy => ServiceBearer(policy)
                .RequireClaim("client_id", FhirServiceClientId)
                .RequireAssertion(context => HasScope(context.User, "srs.reencrypt")))
            .AddPolicy(SrsPolicies.Revoke, policy => ServiceBearer(policy)
                .RequireClaim("client_id", FhirServiceClientId)
                .RequireAssertion(context => HasScope(context.User, "srs.revoke")));
        return services;
    }

    /// <summary>Whether the token grants <paramref name="scope"/> (OpenIddict keeps scopes as its own claims once read).</summary>
    public static bool HasScope(System.Security.Claims.ClaimsPrincipal user, string scope) =>
        OpenIddict.Abstractions.OpenIddictExtensions.HasScope(user, scope);

    private static AuthorizationPolicyBuilder Bearer(AuthorizationPolicyBuilder policy) =>
        policy.AddAuthenticationSchemes(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme).RequireAuthenticatedUser();

    // The FhirServer's token is the same on every call for ~14 minutes: validated once, then remembered (ServiceTokenCache).
    private static AuthorizationPolicyBuilder ServiceBearer(AuthorizationPolicyBuilder policy) =>
        policy.AddAuthenticationSchemes(ServiceTokenAuthenticationHandler.SchemeName).RequireAuthenticatedUser();
}

/// <summary>The token's <c>sub</c> is an active account (of <paramref name="Role"/>, when given).</summary>
public sealed record ActiveAccountRequirement(string? Role) : IAuthorizationRequirement;

internal sealed class ActiveAccountHandler(SrsDbContext db) : AuthorizationHandler<ActiveAccountRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, ActiveAccountRequirement requirement)
    {
        if (AccountEndpoints.UserIdOf(context.User) is not { } userId)
            return;
        // Status and role only: the row also holds the key backup, which has no business on every request.
        var account = await db.Accounts.AsNoTracking()
            .Where(a => a.Id == userId)
            .Select(a => new { a.Status, a.Role })
            .SingleOrDefaultAsync();
        if (account is { Status: AccountStatus.Active } && (requirement.Role is null || account.Role == requirement.Role))
            context.Succeed(requirement);
    }
}
