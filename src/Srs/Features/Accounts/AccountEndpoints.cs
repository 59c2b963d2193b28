using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using SeSPHR.Crypto.Passwords;
using SeSPHR.Srs.Features.Grants;
using SeSPHR.Srs.Security;
using SeSPHR.Srs.Storage;

namespace SeSPHR.Srs.Features.Accounts;

public static class AccountEndpoints
{
    public static IServiceCollection AddAccounts(this IServiceCollection services)
    {
        services.AddScoped<IValidator<RegistrationRequest>, RegistrationValidator>();
        services.AddScoped<Registrations>();
        services.AddScoped<Enrolment>();
        services.AddScoped<IKeyDirectory, KeyDirectory>();
        services.AddScoped<ServerKeyStore>();
        services.AddSingleton<AuthSecretHasher>();
        services.AddSingleton(TimeProvider.System);
        return services;
    }

    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder app)
    {
        var accounts = app.MapGroup("/api/accounts").WithTags("Accounts");
        accounts.MapGet("/kdf", Kdf).AllowAnonymous().RequireAddressLimit(SrsRateLimits.Kdf);
        accounts.MapPost("/", Register).AllowAnonymous().RequireAddressLimit(SrsRateLimits.Registration);
        accounts.MapPost("/{userId:guid}/approval", (Guid userId, SrsDbContext db, CancellationToken ct) =>
            SetStatus(userId, AccountStatus.Active, db, ct)).RequireAuthorization(SrsPolicies.Admin);
        accounts.MapPost("/{userId:guid}/suspension", (Guid userId, MemberDeparture departure, CancellationToken ct) =>
            LeaveAsync(userId, AccountStatus.Suspended, departure, ct)).RequireAuthorization(SrsPolicies.Admin);
        accounts.MapDelete("/{userId:guid}/approval", (Guid userId, MemberDeparture departure, CancellationToken ct) =>
            LeaveAsync(userId, AccountStatus.Pending, departure, ct)).RequireAuthorization(SrsPolicies.Admin);
        accounts.MapGet("/withdrawn", Withdrawn).RequireAuthorization(SrsPolicies.Revoke);
        accounts.MapGet("/me", Me).RequireAuthorization(SrsPolicies.SignedIn);
        accounts.MapGet("/me/backup", Backup).RequireAuthorization(SrsPolicies.SignedIn);

        app.MapPost("/api/enrolment", Enrol).AllowAnonymous().RequireAddressLimit(SrsRateLimits.Registration).WithTags("Accounts");

        var directory = app.MapGroup("/api/directory").WithTags("Key directory").RequireAuthorization(SrsPolicies.SignedIn);
        directory.MapGet("/users/{userId:guid}", FindUser);
        directory.MapGet("/", Search);
        return app;
    }

    /// <summary>An account as the key directory publishes it.</summary>
    public static DirectoryEntryResponse EntryOf(Account account) => new(
        account.Id,
        account.Username,
        account.Role,
        account.FhirUser,
        Roles.ToWire(account.Status),
        Convert.ToBase64String(account.UmbralPublicKey),
        Convert.ToBase64String(account.SigningPublicKey),
        account.Fingerprint);

    /// <summary>The caller's user id from their access token's <c>sub</c>, if it is a user token.</summary>
    public static Guid? UserIdOf(ClaimsPrincipal principal) =>
        Guid.TryParse(principal?.FindFirstValue("sub"), out var id) ? id : null;

    private static async Task<Results<Ok<KdfSettings>, ProblemHttpResult>> Kdf(
        string? username, SrsDbContext db, ServerKeyStore keys, CancellationToken cancellationToken)
    {
        if (!RegistrationValidator.IsUsername(username))
            return Problems.Of(StatusCodes.Status400BadRequest, "username is required: 3 to 64 characters, lowercase letters, digits, '.', '_' or '-'.");
        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Username == username, cancellationToken);
        if (account is not null)
            return TypedResults.Ok(new KdfSettings(
                Convert.ToBase64String(account.KdfSalt), account.KdfMemoryKiB, account.KdfIterations, account.KdfParallelism));

        // A stable fake: the same salt for the same unknown name every time, so asking twice tells nothing.
        var secret = await keys.GetAsync(ServerKeyPurposes.KdfFakes, cancellationToken);
        var salt = HMACSHA256.HashData(secret.Material, Encoding.UTF8.GetBytes("kdf-salt\0" + username))[..PasswordKdfSettings.SaltSize];
        var parameters = PasswordKdfPolicy.Production.Recommended;
        return TypedResults.Ok(new KdfSettings(Convert.ToBase64String(salt), parameters.MemoryKiB, parameters.Iterations, parameters.Parallelism));
    }

    private static async Task<Results<Created<RegistrationResponse>, ProblemHttpResult>> Register(
        RegistrationRequest request, Registrations registrations, CancellationToken cancellationToken)
    {
        if (request.Role == SrsRoles.Admin)
            return Problems.Of(StatusCodes.Status400BadRequest, "role admin cannot be registered; admins come from enrolment.");
        var (account, problem) = await registrations.PrepareAsync(request, cancellationToken);
        if (problem is not null)
            return problem;
        if (await registrations.StoreAsync(account!, cancellationToken) is { } conflict)
            return conflict;
        return TypedResults.Created($"/api/directory/users/{account!.Id}",
            new RegistrationResponse(account.Id, Roles.ToWire(account.Status), account.Fingerprint));
    }

    private static async Task<Results<Created<RegistrationResponse>, ProblemHttpResult>> Enrol(
        EnrolmentRequest request, Registrations registrations, Enrolment enrolment, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.Code) || request.Code.Length > 128)
            return Problems.Of(StatusCodes.Status400BadRequest, "code is required.");
        var (account, problem) = await registrations.PrepareAsync(AsAdminRegistration(request), cancellationToken);
        if (problem is not null)
            return problem;
        account!.Status = AccountStatus.Active;
        bool redeemed;
        try
        {
            redeemed = await enrolment.RedeemAsync(request.Code, account, cancellationToken);
        }
        catch (DbUpdateException)
        {
            return Problems.Of(StatusCodes.Status409Conflict, "username or fhirUser is already registered.");
        }

        return redeemed
            ? TypedResults.Created($"/api/directory/users/{account.Id}", new RegistrationResponse(account.Id, "active", account.Fingerprint))
            : Problems.Of(StatusCodes.Status403Forbidden, "The enrolment code is wrong or already used.");
    }

    private static RegistrationRequest AsAdminRegistration(EnrolmentRequest request) => new(
        request.Username, SrsRoles.Admin, request.FhirUser, request.Kdf, request.AuthSecret, request.UmbralPublicKey, request.SigningPublicKey, request.WrappedBackup);

    private static async Task<Results<NoContent, ProblemHttpResult>> SetStatus(
        Guid userId, AccountStatus status, SrsDbContext db, CancellationToken cancellationToken)
    {
        var changed = await db.Accounts.Where(a => a.Id == userId)
            .ExecuteUpdateAsync(set => set.SetProperty(a => a.Status, status), cancellationToken);
        return changed == 1 ? TypedResults.NoContent() : Problems.Of(StatusCodes.Status404NotFound, "No such user.");
    }

    // A member leaving (suspended, or approval withdrawn) loses every kfrag at once, not at token expiry.
    private static async Task<Results<NoContent, ProblemHttpResult>> LeaveAsync(
        Guid userId, AccountStatus status, MemberDeparture departure, CancellationToken cancellationToken) =>
        await departure.LeaveAsync(userId, status, cancellationToken) ? TypedResults.NoContent() : Problems.Of(StatusCodes.Status404NotFound, "No such user.");

    /// <summary>
    /// The accounts whose access an admin took away and did not give back, with when: the
    /// FhirServer polls this to refuse their still-unexpired access tokens within seconds, rather
    /// than honouring them until they lapse. Accounts pending since registration never held a token
    /// and are not listed.
    /// </summary>
    private static async Task<Ok<WithdrawnAccountsResponse>> Withdrawn(SrsDbContext db, CancellationToken cancellationToken)
    {
        var withdrawn = await db.Accounts.AsNoTracking()
            .Where(a => a.Status != AccountStatus.Active && a.WithdrawnAt != null)
            .Select(a => new WithdrawnAccount(a.Id, a.WithdrawnAt!.Value))
            .ToArrayAsync(cancellationToken);
        return TypedResults.Ok(new WithdrawnAccountsResponse(withdrawn));
    }

    private static async Task<Results<Ok<DirectoryEntryResponse>, ProblemHttpResult>> Me(
        ClaimsPrincipal user, SrsDbContext db, CancellationToken cancellationToken) =>
        await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == UserIdOf(user), cancellationToken) is { } account
            ? TypedResults.Ok(EntryOf(account))
            : Problems.Of(StatusCodes.Status404NotFound, "The token names no user.");

    private static async Task<Results<Ok<BackupResponse>, ProblemHttpResult>> Backup(
        ClaimsPrincipal user, SrsDbContext db, CancellationToken cancellationToken) =>
        await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == UserIdOf(user), cancellationToken) is { } account
            ? TypedResults.Ok(new BackupResponse(Convert.ToBase64String(account.WrappedBackup)))
            : Problems.Of(StatusCodes.Status404NotFound, "The token names no user.");

    private static async Task<Results<Ok<DirectoryEntryResponse>, ProblemHttpResult>> FindUser(
        Guid userId, SrsDbContext db, CancellationToken cancellationToken) =>
        await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == userId, cancellationToken) is { } account
            ? TypedResults.Ok(EntryOf(account))
            : Problems.Of(StatusCodes.Status404NotFound, "No such user.");

    /// <summary>
    /// Finds users by the exact username or <c>fhirUser</c> a caller typed, or lists a role: any
    /// signed-in user may list the professional roles (to find a doctor to grant), only an admin
    /// may list patients and related persons, so no account can enumerate the patients.
    /// </summary>
    private static async Task<Results<Ok<DirectoryEntryResponse[]>, ProblemHttpResult>> Search(
        string? username, string? fhirUser, string? role, ClaimsPrincipal user, SrsDbContext db, CancellationToken cancellationToken)
    {
        if (new[] { username, fhirUser, role }.Count(criterion => criterion is not null) != 1)
            return Problems.Of(StatusCodes.Status400BadRequest, "Give exactly one of username, fhirUser or role.");
        if (username is not null && !RegistrationValidator.IsUsername(username))
            return Problems.Of(StatusCodes.Status400BadRequest, "username must be 3 to 64 characters: lowercase letters, digits, '.', '_' or '-'.");
        if (fhirUser is not null && !RegistrationValidator.IsFhirUser(fhirUser))
            return Problems.Of(StatusCodes.Status400BadRequest, "fhirUser must be a relative reference such as Practitioner/doc.");
        if (role is not null && !Roles.IsKnown(role))
            return Problems.Of(StatusCodes.Status400BadRequest, "role is not one of patient, practitioner, related-person, insurer, pharmacist, researcher, admin.");
        if (role is not null && !Roles.IsListable(role)
            && await db.Accounts.AsNoTracking().Where(a => a.Id == UserIdOf(user)).Select(a => a.Role).SingleOrDefaultAsync(cancellationToken) != SrsRoles.Admin)
            return Problems.Of(StatusCodes.Status403Forbidden, "Only an admin may list this role; find a user by their exact username or fhirUser.");
        var query = db.Accounts.AsNoTracking();
        query = username is not null ? query.Where(a => a.Username == username)
            : fhirUser is not null ? query.Where(a => a.FhirUser == fhirUser)
            : query.Where(a => a.Role == role);
        var found = await query.OrderBy(a => a.Username).Take(500).ToListAsync(cancellationToken);
        return TypedResults.Ok(found.Select(EntryOf).ToArray());
    }
}
