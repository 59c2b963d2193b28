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
builder.Services.AddForwardedProxies(builder.Configuration);
builder.Services.AddSrsStorage(connectionString);
builder.Services.AddSrsProblems();
builder.Services.AddStorableInput();
builder.Services.AddSrsRateLimits(builder.Configuration);
builder.Services.AddServerKeys(builder.Configuration);
builder.Services.AddSrsOAuth();
builder.Services.AddSrsAuthorization();
builder.Services.AddAccounts();
builder.Services.AddGrants(builder.Configuration);
builder.Services.AddOpenApi();
builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");

var app = builder.Build();

// Health first: it must answer even when the database (and so the OAuth keys) is unreachable.
app.UseHealthChecks("/healthz");
app.UseForwardedHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseRouting();
// Anonymous endpoints per address before authentication, where the OAuth server checks client
// secrets and codes; callers after authorization, keyed on what their token proved, so a call
// without a valid token is refused (401) before it can spend anyone's permits.
app.UseAddressRateLimits();
app.UseStorableInput();
app.UseAuthentication();
app.UseAuthorization();
app.UseCallerRateLimits();

app.MapOpenApi();
app.MapAccounts();
app.MapOAuth();
app.MapGrants();

app.Run();
