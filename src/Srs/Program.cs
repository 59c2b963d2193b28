using SeSPHR.Srs.Health;

var builder = WebApplication.CreateBuilder(args);

var connectionString = builder.Configuration.GetConnectionString("Srs") is { Length: > 0 } configured
    ? configured
    : throw new InvalidOperationException(
        "ConnectionStrings:Srs is not set (appsettings.json or the ConnectionStrings__Srs environment variable).");

builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
builder.Services.AddNpgsqlDataSource(connectionString);
builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");

var app = builder.Build();

app.MapHealthChecks("/healthz");

app.Run();
