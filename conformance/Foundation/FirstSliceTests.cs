using System.Net;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using SeSPHR.Conformance.Infrastructure;
using SeSPHR.Testing;

namespace SeSPHR.Conformance.Foundation;

/// <summary>The first slice, as a FHIR client sees it: the Firely FhirClient against the real servers.</summary>
public sealed class FirstSliceTests(RunningSystem system) : IClassFixture<RunningSystem>
{
    private FhirClient Client() => new(system.FhirBase, new FhirClientSettings { PreferredFormat = ResourceFormat.Json, VerifyFhirVersion = false });

    [Fact]
    public async System.Threading.Tasks.Task Given_the_running_server_When_a_FhirClient_reads_its_capabilities_Then_it_is_an_R4_server()
    {
        using var client = Client();

        var capabilities = await client.CapabilityStatementAsync();

        capabilities.ShouldNotBeNull();
        capabilities.FhirVersion.ShouldBe(FHIRVersion.N4_0_1);
        capabilities.Rest[0].Resource.Select(r => r.Type).ShouldContain("Patient");
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_a_patient_When_created_with_a_FhirClient_Then_it_reads_back_with_version_and_timestamp()
    {
        using var client = Client();

        var created = await client.CreateAsync(new Patient { Name = [new HumanName { Family = "Conformance", Given = ["Clara"] }] });
        var read = await client.ReadAsync<Patient>($"Patient/{created!.Id}");

        read!.Name[0].Family.ShouldBe("Conformance");
        read.Meta!.VersionId.ShouldBe("1");
        read.Meta!.LastUpdated.ShouldNotBeNull();
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_an_unknown_patient_When_read_with_a_FhirClient_Then_404_with_an_OperationOutcome()
    {
        using var client = Client();

        var failure = await Should.ThrowAsync<FhirOperationException>(() => client.ReadAsync<Patient>("Patient/never-created"));

        failure.Status.ShouldBe(HttpStatusCode.NotFound);
        failure.Outcome.ShouldNotBeNull();
        failure.Outcome!.Issue.ShouldNotBeEmpty();
    }

    [ManagedSystemFact]
    public async System.Threading.Tasks.Task Given_an_acknowledged_create_When_the_server_is_killed_and_restarted_Then_the_patient_is_still_there()
    {
        using var client = Client();
        var created = await client.CreateAsync(new Patient { Name = [new HumanName { Family = "Durable" }] });

        system.FhirServer!.Crash();
        await system.FhirServer.StartAsync();

        using var afterRestart = Client();
        (await afterRestart.ReadAsync<Patient>($"Patient/{created!.Id}"))!.Name[0].Family.ShouldBe("Durable");
    }

    [ManagedSystemFact]
    public async System.Threading.Tasks.Task Given_a_created_patient_Then_it_is_in_the_FhirServer_database_and_nowhere_in_the_SRS_database()
    {
        using var client = Client();
        var family = "Separated" + Guid.NewGuid().ToString("N")[..8];
        await client.CreateAsync(new Patient { Name = [new HumanName { Family = family }] });

        (await PostgresTools.DumpAsync(system.FhirDatabase!.Name)).ShouldContain(family);
        (await PostgresTools.DumpAsync(system.SrsDatabase!.Name)).ShouldNotContain(family);
    }

    [Fact]
    public async System.Threading.Tasks.Task Given_both_services_Then_their_health_endpoints_answer_healthy()
    {
        using var http = new HttpClient();

        (await http.GetAsync(new Uri(system.FhirBase, "/healthz"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await http.GetAsync(new Uri(system.SrsBase, "/healthz"))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
