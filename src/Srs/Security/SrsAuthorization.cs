using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using OpenIddict.Validation.AspNetCore;
using SeSPHR.Srs.Features.Accounts;

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
        services.AddSingleton<IAuthorizationHandler, ActiveAccountHandler>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ServiceTokenCache>();
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ServiceTokenAuthenticationHandler>(ServiceTokenAuthenticationHandler.SchemeName, scheme =>
        {
            // 401 and 403 look exactly as OpenIddict's (WWW-Authenticate with its error codes).
            scheme.ForwardChallenge = OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme;
            scheme.ForwardForbid = OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme;
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(SrsPolicies.SignedIn, policy => Bearer(policy)
                .AddRequirements(new ActiveAccountRequirement(null))
                .RequireAssertion(context => HasScope(context.User, SrsScopes.Account)))
            .AddPolicy(SrsPolicies.Admin, policy => Bearer(policy)
                .AddRequirements(new ActiveAccountRequirement(SrsRoles.Admin))
                .RequireAssertion(context => HasScope(context.User, SrsScopes.Account)))
            .AddPolicy(SrsPolicies.PatientGrants, policy => Bearer(policy)
                .AddRequirements(new ActiveAccountRequirement(SrsRoles.Patient))
                .RequireAssertion(context => HasScope(context.User, SrsScopes.Grants)))
            .AddPolicy(SrsPolicies.Reencrypt, policy => ServiceBearer(policy)
                .RequireClaim("client_id", FhirServiceClientId)
                .RequireAssertion(context => HasScope(context.User, SrsScopes.Reencrypt)))
            .AddPolicy(SrsPolicies.Revoke, policy => ServiceBearer(policy)
                .RequireClaim("client_id", FhirServiceClientId)
                .RequireAssertion(context => HasScope(context.User, SrsScopes.Revoke)));
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

// Plain Npgsql over the singleton data source: the authorization service builds every registered
// handler for every policy it evaluates, so a handler holding a DbContext made one for each
// re-encryption call too, which never needs it.
internal sealed class ActiveAccountHandler(NpgsqlDataSource dataSource) : AuthorizationHandler<ActiveAccountRequirement>
{
    // Status and role only: the row also holds the key backup, which has no business on every request.
    // Column names are EF Core's (AccountConfiguration); the status is stored as its name.
    private const string Sql = """SELECT "Status", "Role" FROM srs.accounts WHERE "Id" = @id""";

    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, ActiveAccountRequirement requirement)
    {
        if (AccountEndpoints.UserIdOf(context.User) is not { } userId)
            return;
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<Guid>("id", NpgsqlTypes.NpgsqlDbType.Uuid) { TypedValue = userId });
        await using var reader = await command.ExecuteReaderAsync();
        if (await reader.ReadAsync()
            && reader.GetString(0) == nameof(AccountStatus.Active)
            && (requirement.Role is null || reader.GetString(1) == requirement.Role))
            context.Succeed(requirement);
    }
}
