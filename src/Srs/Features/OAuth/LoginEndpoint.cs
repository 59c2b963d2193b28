using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using SeSPHR.Crypto.Passwords;
using SeSPHR.Srs.Features.Accounts;
using SeSPHR.Srs.Security;
using SeSPHR.Srs.Storage;

namespace SeSPHR.Srs.Features.OAuth;

public sealed record LoginRequest(string? Username, string? AuthSecret);

/// <summary>
/// <c>POST /account/login</c>: checks the authentication secret against its slow hash and sets the
/// HttpOnly login cookie that <c>/connect/authorize</c> reads. Unknown users, wrong secrets, and
/// pending or suspended accounts all get the same 401 after the same amount of work.
/// </summary>
public static class LoginEndpoint
{
    public static async Task<Results<NoContent, ProblemHttpResult>> LoginAsync(
        LoginRequest request,
        HttpContext http,
        SrsDbContext db,
        AuthSecretHasher hasher,
        LoginAttemptLimiter attempts,
        CancellationToken cancellationToken)
    {
        var secret = RegistrationValidator.Decode(request.AuthSecret);
        if (string.IsNullOrEmpty(request.Username) || request.Username.Length > 64 ||
            secret is not { Length: PasswordMasterKey.AuthenticationSecretSize })
            return Problems.Of(StatusCodes.Status400BadRequest, "username and authSecret (32 bytes of base64) are required.");
        if (!attempts.TryAcquire(request.Username))
        {
            http.Response.Headers.RetryAfter = "60";
            return Problems.Of(StatusCodes.Status429TooManyRequests, "Too many requests; try again later.");
        }

        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Username == request.Username, cancellationToken);
        var verified = account is null ? hasher.VerifyDecoy(secret) : AuthSecretHasher.Verify(account.AuthSecretHash, secret);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
        if (!verified || account is not { IsActive: true })
            return Problems.Of(StatusCodes.Status401Unauthorized, "Login failed: unknown user, wrong secret, or account not active.");

        var identity = new ClaimsIdentity(OAuthSetup.LoginScheme);
        identity.AddClaim(new Claim("sub", account.Id.ToString()));
        await http.SignInAsync(OAuthSetup.LoginScheme, new ClaimsPrincipal(identity));
        return TypedResults.NoContent();
    }
}
