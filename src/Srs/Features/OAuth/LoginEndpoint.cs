using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using SeSPHR.Crypto.Passwords;
using SeSPHR.Srs.Features.Accounts;
using SeSPHR.Srs.Security;
using SeSPHR.Srs.Storage;

namespace SeSPHR.Srs.Features.OAuth;

/// <summary>
/// <c>POST /account/login</c>: checks the authentication secret against its slow hash and sets the
/// HttpOnly login cookie that <c>/connect/authorize</c> reads. Unknown users, wrong secrets, and
/// pending or suspended accounts all get the same 401 after the same amount of work. Attempts are
/// throttled per (username, client address) pair with growing delays (<see cref="SignInThrottle"/>),
/// so guessing one user's secret is slow and a stranger cannot lock the owner out.
/// </summary>
public static class LoginEndpoint
{
    public static async Task<Results<NoContent, ProblemHttpResult>> LoginAsync(
        LoginRequest request,
        HttpContext http,
        SrsDbContext db,
        AuthSecretHasher hasher,
        SignInThrottle throttle,
        CancellationToken cancellationToken)
    {
        var secret = RegistrationValidator.Decode(request.AuthSecret);
        if (!RegistrationValidator.IsUsername(request.Username) || secret is not { Length: PasswordMasterKey.AuthenticationSecretSize })
            return Problems.Of(StatusCodes.Status400BadRequest, "username and authSecret (32 bytes of base64) are required.");
        var address = SrsRateLimits.AddressOf(http);
        if (!throttle.TryAttempt(request.Username, address, out var retryAfter))
        {
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Problems.Of(StatusCodes.Status429TooManyRequests, "Too many sign-in attempts for this user from this address; try again later.");
        }

        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Username == request.Username, cancellationToken);
        var verified = account is null ? hasher.VerifyDecoy(secret) : AuthSecretHasher.Verify(account.AuthSecretHash, secret);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
        if (!verified || account is not { IsActive: true })
            return Problems.Of(StatusCodes.Status401Unauthorized, "Login failed: unknown user, wrong secret, or account not active.");

        throttle.Succeeded(request.Username, address);
        var identity = new ClaimsIdentity(OAuthSetup.LoginScheme);
        identity.AddClaim(new Claim("sub", account.Id.ToString()));
        await http.SignInAsync(OAuthSetup.LoginScheme, new ClaimsPrincipal(identity));
        return TypedResults.NoContent();
    }
}
