using System.Net.Http.Headers;
using Microsoft.AspNetCore.Mvc.Testing;
using SeSPHR.Testing;

namespace SeSPHR.FhirServer.Tests.Infrastructure;

/// <summary>The FhirServer in process, on a database of its own in the test run's PostgreSQL.</summary>
public class FhirServerFixture : IAsyncLifetime
{
    private WebApplicationFactory<Program>? _factory;

    public TestDatabase Database { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    /// <summary>The server's services, for tests that call a component directly.</summary>
    public IServiceProvider Services => _factory!.Services;

    /// <summary>Configuration on top of the defaults, for fixtures of other configurations.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> Settings => [];

    public virtual async Task InitializeAsync()
    {
        Database = await TestPostgres.CreateDatabaseAsync("fhirserver");
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("ConnectionStrings:Fhir", Database.ConnectionString);
            builder.UseSetting("Fhir:MaxRequestBodyBytes", "1048576");
            // The plain FHIR configuration by default: these tests exercise REST semantics on
            // ordinary resources; ProtectedFhirServerFixture runs the protected configuration.
            builder.UseSetting("Fhir:ProtectedSections", "false");
            // Anonymous and unfiltered (the plain FHIR configuration): these fixtures test REST
            // semantics; tests/FhirServer/Access runs the server with tokens and Consent.
            builder.UseSetting("Fhir:Auth:Required", "false");
            builder.UseSetting("Fhir:Access:ConsentCheck", "false");
            foreach (var (key, value) in Settings)
            {
                builder.UseSetting(key, value);
            }
        });
        Client = _factory.CreateClient();
        Client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));

        // Like a load balancer, tests start once the server says it is ready (schema applied).
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if ((await Client.GetAsync("/healthz")).IsSuccessStatusCode)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException("The FhirServer did not become healthy within 30 s.");
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        await Database.DisposeAsync();
    }
}

/// <summary>The plain FHIR configuration: no protected sections, every standard search parameter offered.</summary>
public sealed class PlainFhirServerFixture : FhirServerFixture
{
    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
        [new("Fhir:ProtectedSections", "false"), new("Fhir:MaxRequestBodyBytes", "33554432")];
}

/// <summary>The FhirServer in its production configuration: protected sections enforced.</summary>
public sealed class ProtectedFhirServerFixture : FhirServerFixture
{
    // Sealed Synthea patients are larger than the 1 MiB the base fixture allows for its 413 test.
    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
        [new("Fhir:ProtectedSections", "true"), new("Fhir:MaxRequestBodyBytes", "33554432")];
}
