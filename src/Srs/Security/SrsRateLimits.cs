using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace SeSPHR.Srs.Security;

/// <summary>
/// The SRS's rate limits, in two stages. Anonymous endpoints are limited per client address, before
/// authentication (<see cref="UseAddressRateLimits"/>): login, registration and enrolment, the
/// key-derivation settings, and the OAuth endpoints, whose client secrets, assertions and codes the
/// OAuth server checks during authentication. Authenticated calls are limited after authorization
/// (<see cref="UseCallerRateLimits"/>), keyed on what the token proved: every call of a user shares
/// one window per user, and an endpoint with a <see cref="PerClientBucket"/> (re-encryption) has a
/// token bucket per validated client. A call without a valid token is refused with 401 before that
/// stage, so it never spends a caller's permits. Windows are <c>Srs:RateLimits:{name}</c>
/// (<c>PermitLimit</c>, <c>WindowSeconds</c>); sign-in attempts per username are
/// <see cref="SignInThrottle"/>'s. A refused request gets 429 problem+json with <c>Retry-After</c>.
/// </summary>
public static class SrsRateLimits
{
    public const string Login = "Login";
    public const string Registration = "Registration";
    public const string Token = "Token";
    public const string Authorize = "Authorize";
    public const string Kdf = "Kdf";

    /// <summary>The window every call of one signed-in user shares.</summary>
    public const string Caller = "Caller";

    private static readonly Dictionary<string, int> DefaultPermits = new(StringComparer.Ordinal)
    {
        [Login] = 20,
        [Registration] = 10,
        [Token] = 60,
        [Authorize] = 60,
        [Kdf] = 60,
        [Caller] = 600,
    };

    /// <summary>Endpoint metadata: the endpoint is limited per client address under this limit's name.</summary>
    public sealed record PerAddress(string Name);

    /// <summary>Endpoint metadata: a token bucket per validated client, of <paramref name="PerSecond"/> (read per request) with bursts of twice that.</summary>
    public sealed record PerClientBucket(string Name, Func<IServiceProvider, int> PerSecond);

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

    /// <summary>Limits the endpoint per client address, before authentication.</summary>
    public static TBuilder RequireAddressLimit<TBuilder>(this TBuilder builder, string name)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new PerAddress(name));

    public static IServiceCollection AddSrsRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var limits = DefaultPermits.ToDictionary(
            pair => pair.Key,
            pair => configuration.GetSection($"Srs:RateLimits:{pair.Key}").Get<Limit>() is { PermitLimit: > 0 } configured
                ? configured
                : new Limit { PermitLimit = pair.Value },
            StringComparer.Ordinal);

        services.AddSingleton(configuration.GetSection("Srs:SignInThrottle").Get<SignInThrottleOptions>() ?? new SignInThrottleOptions());
        services.AddSingleton<SignInThrottle>();
        // The middleware's own services; each stage brings its own options (Stages).
        services.AddRateLimiter(_ => { });
        services.AddSingleton(new Stages(Stage(ByAddress(limits)), Stage(ByCaller(limits[Caller]))));
        return services;
    }

    /// <summary>The per-address stage: put it before authentication.</summary>
    public static IApplicationBuilder UseAddressRateLimits(this IApplicationBuilder app) =>
        app.UseRateLimiter(app.ApplicationServices.GetRequiredService<Stages>().ByAddress);

    /// <summary>The per-caller stage: put it after authorization.</summary>
    public static IApplicationBuilder UseCallerRateLimits(this IApplicationBuilder app) =>
        app.UseRateLimiter(app.ApplicationServices.GetRequiredService<Stages>().ByCaller);

    /// <summary>
    /// The user an authenticated call is made for (<c>sub</c>, a user id); null for an anonymous
    /// call and for the FhirServer's service token (its <c>sub</c> is its client id).
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

    private static PartitionedRateLimiter<HttpContext> ByAddress(Dictionary<string, Limit> limits) =>
        PartitionedRateLimiter.Create<HttpContext, string>(http =>
            http.GetEndpoint()?.Metadata.GetMetadata<PerAddress>() is { } limit
                ? RateLimitPartition.GetFixedWindowLimiter($"{limit.Name}:{AddressOf(http)}", _ => limits[limit.Name].ToOptions())
                : RateLimitPartition.GetNoLimiter(string.Empty));

    // An endpoint with a bucket is limited by it alone; any other call of a user by the user's window.
    // Authorization ran first, so client_id is a validated client's; an endpoint that let an
    // unauthenticated call this far would limit it by address, apart from every client.
    private static PartitionedRateLimiter<HttpContext> ByCaller(Limit perUser) =>
        PartitionedRateLimiter.Create<HttpContext, string>(http =>
        {
            if (http.GetEndpoint()?.Metadata.GetMetadata<PerClientBucket>() is { } bucket)
            {
                var caller = http.User.FindFirstValue("client_id") is { } client ? "client:" + client : "address:" + AddressOf(http);
                return RateLimitPartition.GetTokenBucketLimiter($"{bucket.Name}:{caller}", _ =>
                {
                    var perSecond = Math.Max(1, bucket.PerSecond(http.RequestServices));
                    return new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = 2 * perSecond,
                        TokensPerPeriod = perSecond,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                    };
                });
            }

            return UserOf(http) is { } user
                ? RateLimitPartition.GetFixedWindowLimiter($"{Caller}:{user}", _ => perUser.ToOptions())
                : RateLimitPartition.GetNoLimiter(string.Empty);
        });

    private static RateLimiterOptions Stage(PartitionedRateLimiter<HttpContext> limiter) => new()
    {
        GlobalLimiter = limiter,
        RejectionStatusCode = StatusCodes.Status429TooManyRequests,
        OnRejected = async (context, _) => await TooManyRequests(context.HttpContext),
    };

    /// <summary>The options of the two stages, built once.</summary>
    private sealed record Stages(RateLimiterOptions ByAddress, RateLimiterOptions ByCaller);
}
