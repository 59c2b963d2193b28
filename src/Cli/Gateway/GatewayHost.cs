using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SeSPHR.Contracts;
using SeSPHR.Client.Fhir;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Records;

namespace SeSPHR.Cli.Gateway;

/// <summary>
/// The gateway as a small Kestrel host inside the CLI process: one FHIR base (default
/// <c>http://127.0.0.1:8090/fhir</c>), the token check in front of everything, errors as
/// OperationOutcomes, and no request line, header or body in its logs.
/// </summary>
internal static class GatewayHost
{
    /// <exception cref="GatewaySettingsException">the listen address is refused (<see cref="GatewaySettings.Bind"/>).</exception>
    public static WebApplication Build(GatewayUser account, GatewaySettings settings, GatewayToken token)
    {
        var endpoint = settings.Bind();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(GatewayHost).Assembly.GetName().Name });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(endpoint);
        });
        // Request paths carry search values, which may be protected: the framework logs warnings only.
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddGateway(account);

        var app = builder.Build();
        app.UseGatewayErrors();
        app.UseGatewayToken(token);
        app.MapGateway(settings.BasePath);
        return app;
    }

    /// <summary>The client towards the FhirServer: the SDK's sealing handler, the user's renewed token below it.</summary>
    public static IServiceCollection AddGateway(this IServiceCollection services, GatewayUser account)
    {
        var fhirBase = account.User.Endpoints.Fhir;
        services.AddSingleton(account);
        services.AddSingleton(_ => new HttpClient(SealingFor(account)) { Timeout = TimeSpan.FromSeconds(60) });
        services.AddSingleton(provider => new FhirPassThrough(provider.GetRequiredService<HttpClient>(), fhirBase));
        services.AddSingleton(provider => new GatewayCapabilities(provider.GetRequiredService<HttpClient>(), fhirBase));
        return services;
    }

    // A patient seals and opens their own record with their own keys; anyone else as a grantee.
    private static HttpMessageHandler SealingFor(GatewayUser account)
    {
        var user = account.User;
        var toServer = new UserTokenHandler(user) { InnerHandler = new SocketsHttpHandler() };
        if (user.Role != SrsRoles.Patient)
        {
            return SealingFhirHandler.ForGrantee(user, toServer);
        }

        var journal = new GrantJournal(account.JournalFolder);
        var book = journal.LoadBook() ?? new GrantBook { PatientUserId = user.RequireUserId, PatientFhirUser = user.FhirUser };
        return new CurrentEpochs(book, journal) { InnerHandler = SealingFhirHandler.ForPatient(new PatientRecord(user, book), toServer) };
    }

    public static void MapGateway(this WebApplication app, string basePath)
    {
        app.MapGet(basePath + "/metadata", (HttpContext context, GatewayCapabilities capabilities) => capabilities.HandleAsync(context, basePath));
        app.Map(basePath + "/{**path}", (HttpContext context, FhirPassThrough passThrough) => passThrough.HandleAsync(context, basePath));
        app.Map(basePath, (HttpContext context, FhirPassThrough passThrough) => passThrough.HandleAsync(context, basePath));
    }
}
