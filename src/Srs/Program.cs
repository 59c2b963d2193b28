using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SeSPHR.Srs.Features.Accounts;
using SeSPHR.Srs.Features.Grants;
using SeSPHR.Srs.Health;
using SeSPHR.Srs.Storage;

var builder = WebApplication.CreateBuilder(args);

var connectionString = builder.Configuration.GetConnectionString("Srs") is { Length: > 0 } configured
    ? configured
    : throw new InvalidOperationException(
        "ConnectionStrings:Srs is not set (appsettings.json or the ConnectionStrings__Srs environment variable).");

builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
builder.Services.AddNpgsqlDataSource(connectionString);
builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");

// --- srs-grants branch only: the minimal DbContext registration and an empty key directory the
// --- grant feature needs to start. The srs-identity branch's registrations (DbContext with
// --- OpenIddict, the accounts' IKeyDirectory) replace these two lines and the class below at merge.
builder.Services.AddDbContext<SrsDbContext>(options => options.UseNpgsql(connectionString));
builder.Services.TryAddScoped<IKeyDirectory, NoAccountsYet>();

builder.Services.AddGrants(builder.Configuration);

var app = builder.Build();

app.MapHealthChecks("/healthz");
app.MapGrants();

app.Run();

/// <summary>srs-grants branch only (see above): knows no one, so every grant request is refused.</summary>
internal sealed class NoAccountsYet : IKeyDirectory
{
    public Task<DirectoryEntry?> FindAsync(Guid userId, CancellationToken cancellationToken) => Task.FromResult<DirectoryEntry?>(null);

    public Task<DirectoryEntry?> FindByFhirUserAsync(string fhirUser, CancellationToken cancellationToken) => Task.FromResult<DirectoryEntry?>(null);
}
