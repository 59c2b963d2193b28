using System.Net.Http.Headers;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SeSPHR.FhirServer.Features.Access.Audit;
using SeSPHR.FhirServer.Features.Access.Srs;
using SeSPHR.FhirServer.Tests.Features.Access.Srs;
using SeSPHR.Testing;

namespace SeSPHR.FhirServer.Tests.Features.Access.Enforcement;

/// <summary>
/// The FhirServer in its production configuration (protected sections, tokens required, Consent
/// checked) against a <see cref="TestIssuer"/>, with the SRS clients and the audit replaced by fakes
/// the tests inspect. The list of suspended accounts comes from a <see cref="FakeSrs"/>, as from the
/// SRS: without it the server refuses every user token.
/// </summary>
public class AccessServerFixture : IAsyncLifetime
{
    private WebApplicationFactory<Program>? _factory;

    public TestIssuer Issuer { get; } = new();

    public FakeGateway Gateway { get; } = new();

    public FakeAudit Audit { get; } = new();

    public FakeReconciler Reconciler { get; } = new();

    public TestDatabase Database { get; private set; } = null!;

    public FakeSrs Srs { get; private set; } = null!;

    protected virtual bool ConsentCheck => true;

    public virtual async Task InitializeAsync()
    {
        Database = await TestPostgres.CreateDatabaseAsync("fhiraccess");
        Srs = await FakeSrs.StartAsync();
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("ConnectionStrings:Fhir", Database.ConnectionString);
            builder.UseSetting("Fhir:ProtectedSections", "true");
            builder.UseSetting("Fhir:Auth:Authority", Issuer.BaseUrl);
            builder.UseSetting("Fhir:Access:ConsentCheck", ConsentCheck ? "true" : "false");
            builder.UseSetting("Fhir:Srs:BaseUrl", Srs.BaseUrl.ToString());
            builder.UseSetting("Fhir:Srs:ClientSecret", FakeSrs.Secret);
            builder.ConfigureTestServices(services =>
            {
                services.AddSingleton<IReencryptionGateway>(Gateway);
                services.AddSingleton<IAccessAudit>(Audit);
                services.AddSingleton<IGrantReconciler>(Reconciler);
            });
        });
        using var probe = _factory.CreateClient();
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if ((await probe.GetAsync("/healthz")).IsSuccessStatusCode)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException("The FhirServer did not become healthy within 30 s.");
    }

    /// <summary>A client that presents <paramref name="token"/> (none: anonymous).</summary>
    public HttpClient Client(string? token = null)
    {
        var client = _factory!.CreateClient();
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public HttpClient As(TestUser user) => Client(Issuer.Mint(user.Subject, user.Role, user.FhirUser, user.Scope, user.KeyFingerprint));

    /// <summary>
    /// Files an AuditEvent in the audit trail as the server's real audit writes it (this fixture's
    /// audit is a fake, so reads add none); returns its id.
    /// </summary>
    public async Task<string> PlantAuditEventAsync(AccessRecord record, DateTimeOffset? stored = null)
    {
        var services = _factory!.Services;
        var write = services.GetRequiredService<AccessAuditEvents>().ToWrite(record, stored ?? DateTimeOffset.UtcNow);
        await Storage.AuditEventTable.AppendAsync(services.GetRequiredService<Npgsql.NpgsqlDataSource>(), [write], CancellationToken.None);
        return write.Resource.LogicalId;
    }

    public void ResetFakes()
    {
        Gateway.Reset();
        // The fake SRS starts over, so what the FhirServer replays of its earlier answers goes too.
        _factory?.Services.GetRequiredService<IssuedCfrags>().Forget();
        Audit.Reset();
        Reconciler.Reset();
    }

    public async Task DisposeAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        await Issuer.DisposeAsync();
        await Srs.DisposeAsync();
        await Database.DisposeAsync();
    }
}
