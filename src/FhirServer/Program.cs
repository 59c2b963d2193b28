using SeSPHR.FhirServer.Features;
using SeSPHR.FhirServer.Features.Access.Authentication;
using SeSPHR.FhirServer.Health;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Storage;

var builder = WebApplication.CreateBuilder(args);

builder.WebHost.ConfigureKestrel((context, kestrel) =>
{
    kestrel.AddServerHeader = false;
    kestrel.Limits.MaxRequestBodySize = context.Configuration.GetValue<long?>("Fhir:MaxRequestBodyBytes") ?? 16 * 1024 * 1024;
});
builder.Services.AddFhirStorage(builder.Configuration);
builder.Services.AddFhirApi(builder.Configuration);
builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");

var app = builder.Build();

app.UseFhirNoStore();
app.UseFhirErrors();
app.UseFhirAuthentication();
app.MapHealthChecks("/healthz");
app.MapFhirApi();

app.Run();
