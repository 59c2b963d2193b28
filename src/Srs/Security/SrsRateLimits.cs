using System.Security.Claims;
using System.Threading.RateLimiting;

namespace SeSPHR.Srs.Security;

/// <summary>
/// The SRS's rate limits, fixed windows of <c>Srs:RateLimits:{name}</c> (<c>PermitLimit</c>,
/// <c>WindowSeconds</c>). Anonymous endpoints are limited per client address: login, registration
/// and enrolment, the key-derivation settings, and the OAuth endpoints (authorize, token), which run
/// before any secret is checked. Every call authenticated as a user is limited per user (the
/// validated <c>sub</c>), after authorization: a call without a valid token is refused with 401
/// before it reaches a limiter, so it never spends a caller's permits. The FhirServer's
/// re-encryption calls have their own bucket per validated client (<c>GrantsModule</c>).
/// Sign-in attempts per username are <see cref="SignInThrottle"/>'s. A refused request gets 429
/// problem+json with <c>Retry-After</c>.
/// </summary>
public static class SrsRateLimits
{
    public const string Login = "login";
    public const string Registration = "registration";
    public const string Token = "token";
    public const string Authorize = "authorize";
    public const string Kdf = "kdf";

    /// <summary>The global limit per signed-in user (configuration name <c>Caller</c>).</summary>
    public const string Caller = "caller";

    public sealed class Limit
    {
        public int PermitLimit { get; set; }

        public int WindowSeconds { get; set; } = 60;

        internal FixedWindowRateLimiterOptions ToOptions() => new()
        {
            PermitLimit = Math.Max(1, PermitLimit),
            Window = TimeSpan.FromSeconds(Math.Max(1, WindowSeconds)),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

    public static IServiceCollection AddSrsRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        Limit Read(string name, int permits) =>
            configuration.GetSection($"Srs:RateLimits:{name}").Get<Limit>() is { PermitLimit: > 0 } configured
                ? configured
                : new Limit { PermitLimit = permits };

        var login = Read("Login", 20);
        var registration = Read("Registration", 10);
        var token = Read("Token", 60);
        var authorize = Read("Authorize", 60);
        var kdf = Read("Kdf", 60);
        var caller = Read("Caller", 600);

        services.AddSingleton(configuration.GetSection("Srs:SignInThrottle").Get<SignInThrottleOptions>() ?? new SignInThrottleOptions());
        services.AddSingleton<SignInThrottle>();
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = async (context, cancellationToken) =>
            {
                context.HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                await TooManyRequests(context.HttpContext);
            };
            options.AddPolicy(Login, http => PerAddress(Login, http, login));
            options.AddPolicy(Registration, http => PerAddress(Registration, http, registration));
            options.AddPolicy(Token, http => PerAddress(Token, http, token));
            options.AddPolicy(Authorize, http => PerAddress(Authorize, http, authorize));
            options.AddPolicy(Kdf, http => PerAddress(Kdf, http, kdf));
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => UserOf(http) is { } user
                ? RateLimitPartition.GetFixedWindowLimiter($"{Caller}:{user}", _ => caller.ToOptions())
                : RateLimitPartition.GetNoLimiter(string.Empty));
        });
        return services;
    }

    /// <summary>
    /// The user an authenticated call is made for (<c>sub</c>, a user id), whose calls share one
    /// window on every endpoint; null for an anonymous call (limited per address by its endpoint's
    /// policy) and for the FhirServer's service token (its <c>sub</c> is its client id), whose
    /// re-encryption calls have their own bucket.
    /// </summary>
    public static string? UserOf(HttpContext http) =>
        http?.User.Identity?.IsAuthenticated == true && Guid.TryParse(http.User.FindFirstValue("sub"), out var user) ? user.ToString() : null;

    /// <summary>The client address as this process sees it (the connection's peer).</summary>
    public static string AddressOf(HttpContext http) =>
        http?.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    public static async Task TooManyRequests(HttpContext http, TimeSpan? retryAfter = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling((retryAfter ?? TimeSpan.FromSeconds(60)).TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Problems.Of(StatusCodes.Status429TooManyRequests, "Too many requests; try again later.").ExecuteAsync(http);
    }

    private static RateLimitPartition<string> PerAddress(string policy, HttpContext http, Limit limit) =>
        RateLimitPartition.GetFixedWindowLimiter($"{policy}:{AddressOf(http)}", _ => limit.ToOptions());
}
