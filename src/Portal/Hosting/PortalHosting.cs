using System.Threading.RateLimiting;
using FluentValidation;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using SeSPHR.Client.Errors;
using SeSPHR.Portal.Sessions;
using SeSPHR.Portal.Times;

namespace SeSPHR.Portal.Hosting;

/// <summary>How the portal is put together: sessions, cookies, anti-forgery, limits and pages.</summary>
public static class PortalHosting
{
    public const string SignInLimit = "sign-in";

    public static void AddPortal(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PortalOptions>().Bind(builder.Configuration.GetSection(PortalOptions.Section))
            .Validate(o => o.IdleTimeout > TimeSpan.Zero && o.AbsoluteTimeout >= o.IdleTimeout, "Portal:IdleTimeout must be positive and at most Portal:AbsoluteTimeout.")
            .ValidateOnStart();
        var options = builder.Configuration.GetSection(PortalOptions.Section).Get<PortalOptions>() ?? new PortalOptions();

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<KeySessions>();
        services.AddHostedService<KeySessionSweeper>();
        services.AddHttpContextAccessor();
        services.AddScoped<CurrentUser>();
        services.AddScoped<ReaderTimeZone>();
        services.AddSingleton<PortalJournals>();
        services.AddSingleton<GrantLocks>();
        services.AddSingleton<JournalRepair>();
        services.AddValidatorsFromAssemblyContaining<PortalOptions>(includeInternalTypes: true);

        // Sessions live in this process's memory; so do the keys that protect the cookies.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(cookie =>
        {
            cookie.Cookie.Name = "sesphr.portal";
            cookie.Cookie.HttpOnly = true;
            // Secure is forced by the cookie policy (UsePortal) for every cookie alike.
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.LoginPath = "/Account/SignIn";
            cookie.LogoutPath = "/Account/SignOut";
            cookie.AccessDeniedPath = "/Account/Denied";
            cookie.ExpireTimeSpan = options.IdleTimeout;
            cookie.SlidingExpiration = true;
            cookie.Events.OnValidatePrincipal = DropEndedSessionAsync;
            cookie.Events.OnRedirectToLogin = SayWhenTheSessionEnded;
        });
        services.AddAuthorization();
        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = "sesphr.antiforgery";
            antiforgery.Cookie.HttpOnly = true;
            // Always here would refuse plain-HTTP loopback requests outright; the cookie policy adds Secure.
            antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
        });
        services.AddRazorPages(pages =>
        {
            pages.Conventions.AuthorizeFolder("/");
            pages.Conventions.AllowAnonymousToFolder("/Account");
            pages.Conventions.AllowAnonymousToPage("/Error");
            pages.Conventions.AllowAnonymousToPage("/Index");
        });
        services.AddRateLimiter(limits =>
        {
            // Attempts are the form posts; opening the page or coming back to it costs nothing.
            limits.AddPolicy(SignInLimit, context => HttpMethods.IsPost(context.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter(
                    context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = options.SignInPermitsPerMinute, Window = TimeSpan.FromMinutes(1) })
                : RateLimitPartition.GetNoLimiter("page views"));
            // No body here: the status code pages show the error page, in the layout, with when to retry.
            limits.OnRejected = (rejected, _) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                TooManyAttempts.Refuse(rejected.HttpContext, retryAfter);
                return ValueTask.CompletedTask;
            };
        });
        services.AddHealthChecks();
    }

    public static void UsePortal(this WebApplication app)
    {
        app.UseExceptionHandler("/Error");
        app.UseStatusCodePagesWithReExecute("/Error");
        app.UseSecurityHeaders();
        // Every cookie the portal sets is HttpOnly, SameSite=Strict and (unless configured off) Secure,
        // also on http://127.0.0.1, where browsers accept and return secure cookies.
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PortalOptions>>().Value;
        app.UseCookiePolicy(new CookiePolicyOptions
        {
            HttpOnly = Microsoft.AspNetCore.CookiePolicy.HttpOnlyPolicy.Always,
            MinimumSameSitePolicy = SameSiteMode.Strict,
            Secure = options.RequireHttpsCookies ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest,
        });
        app.UseStaticFiles();
        app.UseRouting();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.Use(SendEndedSessionsToSignInAsync);
        app.MapHealthChecks("/healthz");
        app.MapRazorPages();
    }

    private const string SessionEndedPage = "/Account/SignIn?ended=true";

    /// <summary>
    /// A browser that still sends the session cookie had a session that ended (idle or absolute
    /// limit, sign-out elsewhere, a restart): the sign-in page says so instead of appearing unasked.
    /// </summary>
    private static Task SayWhenTheSessionEnded(RedirectContext<CookieAuthenticationOptions> context)
    {
        var target = context.Request.Cookies.ContainsKey(context.Options.Cookie.Name!) ? SessionEndedPage : context.RedirectUri;
        context.Response.Redirect(target);
        return Task.CompletedTask;
    }

    /// <summary>A cookie whose session ended (sign-out, expiry, restart) no longer signs anyone in.</summary>
    private static async Task DropEndedSessionAsync(CookieValidatePrincipalContext context)
    {
        var sessions = context.HttpContext.RequestServices.GetRequiredService<KeySessions>();
        if (sessions.Find(PortalClaims.SessionIdOf(context.Principal!)) is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }

    /// <summary>A session that ends during a request (expired tokens the SRS will not renew) sends the person to sign in again.</summary>
    private static async Task SendEndedSessionsToSignInAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (NotSignedInException) when (!context.Response.HasStarted)
        {
            context.RequestServices.GetRequiredService<KeySessions>().Close(PortalClaims.SessionIdOf(context.User));
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            context.Response.Redirect(SessionEndedPage);
        }
    }
}
