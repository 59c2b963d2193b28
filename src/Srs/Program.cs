using SeSPHR.Srs;
using SeSPHR.Srs.Features.Accounts;
using SeSPHR.Srs.Features.Grants;
using SeSPHR.Srs.Features.OAuth;
using SeSPHR.Srs.Health;
using SeSPHR.Srs.Security;
using SeSPHR.Srs.Storage;

var builder = WebApplication.CreateBuilder(args);

var connectionString = builder.Configuration.GetConnectionString("Srs") is { Length: > 0 } configured
    ? configured
    : throw new InvalidOperationException(
        "ConnectionStrings:Srs is not set (appsettings.json or the ConnectionStrings__Srs environment variable).");

builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
builder.Services.AddSrsOptions(builder.Configuration);
builder.Services.AddSrsStorage(connectionString);
builder.Services.AddSrsProblems();
builder.Services.AddStorableInput();
builder.Services.AddSrsRateLimits(builder.Configuration);
builder.Services.AddSrsOAuth();
builder.Services.AddSrsAuthorization();
builder.Services.AddAccounts();
builder.Services.AddGrants(builder.Configuration);
builder.Services.AddOpenApi();
builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");

var app = builder.Build();

// Health first: it must answer even when the database (and so the OAuth keys) is unreachable.
app.UseHealthChecks("/healthz");
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseRouting();
// Each policy authenticates its own bearer scheme here, so a call without a valid token is refused
// (401) before any limiter, and the limiters key authenticated endpoints on the validated caller.
app.UseAuthorization();
app.UseRateLimiter();
app.UseStorableInput();
// The OAuth server handles /connect/* here: after the per-address limits, so a flood of guessed
// client secrets or codes spends its sender's own bucket before any secret is checked.
app.UseAuthentication();

app.MapOpenApi();
app.MapAccounts();
app.MapOAuth();
app.MapGrants();

app.Run();
