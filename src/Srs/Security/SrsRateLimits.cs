using System.Threading.RateLimiting;

namespace SeSPHR.Srs.Security;

/// <summary>
/// Fixed-window limits per client address on login, registration/enrolment and the token endpoint,
/// and per username on login, so guessing at authentication secrets or filling the directory is
/// slow. Configured under <c>Srs:RateLimits:{Login|LoginPerUsername|Registration|Token}</c>
/// (<c>PermitLimit</c>, <c>WindowSeconds</c>). A refused request gets 429 problem+json.
/// </summary>
public static class SrsRateLimits
{
    public const string Login = "login";
    public const string Registration = "registration";
    public const string Token = "token";

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
        var perUsername = Read("LoginPerUsername", 5);

        services.AddSingleton(new LoginAttemptLimiter(perUsername.ToOptions()));
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = async (context, cancellationToken) =>
            {
                context.HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                await TooManyRequests(context.HttpContext);
            };
            options.AddPolicy(Login, http => PerAddress(http, login));
            options.AddPolicy(Registration, http => PerAddress(http, registration));
            options.AddPolicy(Token, http => PerAddress(http, token));
        });
        return services;
    }

    public static async Task TooManyRequests(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Response.Headers.RetryAfter = "60";
        await Problems.Of(StatusCodes.Status429TooManyRequests, "Too many requests; try again later.").ExecuteAsync(http);
    }

    private static RateLimitPartition<string> PerAddress(HttpContext http, Limit limit) =>
        RateLimitPartition.GetFixedWindowLimiter(
            http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
            _ => limit.ToOptions());
}

/// <summary>Login attempts per username, counted before the secret is checked.</summary>
public sealed class LoginAttemptLimiter(FixedWindowRateLimiterOptions options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(
        username => RateLimitPartition.GetFixedWindowLimiter(username, _ => options));

    public bool TryAcquire(string username)
    {
        using var lease = _limiter.AttemptAcquire(username);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
