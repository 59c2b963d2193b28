using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using SeSPHR.FhirServer.Tests.Infrastructure;

namespace SeSPHR.FhirServer.Tests.Health;

public sealed class HealthTests(FhirServerFixture server) : IClassFixture<FhirServerFixture>
{
    [Fact]
    public async Task Given_a_reachable_database_When_healthz_is_requested_Then_healthy()
    {
        var response = await server.Client.GetAsync("/healthz");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldBe("Healthy");
    }

    [Fact]
    public async Task Given_an_unreachable_database_When_healthz_is_requested_Then_503_unhealthy()
    {
        // A port on loopback where nothing listens: the server still starts, and says it is unhealthy.
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("ConnectionStrings:Fhir", "Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none;Timeout=2");
            builder.UseSetting("Fhir:Auth:Required", "false");
        });

        var response = await factory.CreateClient().GetAsync("/healthz");

        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await response.Content.ReadAsStringAsync()).ShouldBe("Unhealthy");
    }
}
