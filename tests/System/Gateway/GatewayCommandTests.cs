using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using SeSPHR.SystemTests.Cli;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.SystemTests.Gateway;

/// <summary>
/// <c>sesphr gateway</c> as the patient starts it: signed in with <c>sesphr login</c>, the password
/// on standard input, the token written to a file only the patient's account can read; an app that
/// reads that file reads the record through it, and Ctrl-C stops it.
/// </summary>
[Collection(GatewaySceneGroup.Name)]
public sealed class GatewayCommandTests(GatewayScene scene)
{
    private static readonly FhirJsonDeserializer Deserializer = new(new DeserializerSettings { Validator = null });

    [Fact]
    public async Task Given_a_signed_in_patient_When_sesphr_gateway_runs_with_a_token_file_Then_the_file_is_0600_and_its_token_reads_the_record()
    {
        var home = await CliProcess.LoginAsync(scene.System, scene.Patient, scene.PatientPassword);
        var tokenFile = Path.Combine(home, "..", $"gateway-token-{Guid.NewGuid():N}");
        var listen = $"http://127.0.0.1:{FreePort()}/fhir";
        using var gateway = CliProcess.Start(home, ["gateway", "--password-stdin", "--listen", listen, "--token-file", tokenFile], scene.PatientPassword);
        for (var waited = 0; waited < 240 && !File.Exists(tokenFile); waited++)
        {
            await Task.Delay(250);
        }

        File.Exists(tokenFile).ShouldBeTrue("the gateway wrote no token file");
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(tokenFile).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        using var http = new HttpClient { BaseAddress = new Uri(listen + "/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await File.ReadAllTextAsync(tokenFile)).Trim());
        var source = scene.Source.OfType<Patient>().Single();

        var read = Deserializer.DeserializeResource(await http.GetStringAsync($"Patient/{source.Id}"));
        gateway.Interrupt();
        var result = await gateway.RunToEndAsync();

        read.ShouldEqualSource(source);
        result.ExitCode.ShouldBe(0, result.ToString());
        result.Stdout.ShouldNotContain((await File.ReadAllTextAsync(tokenFile)).Trim());
    }

    [Fact]
    public async Task Given_no_signed_in_user_When_sesphr_gateway_starts_Then_it_exits_4_and_listens_nowhere()
    {
        var listen = $"http://127.0.0.1:{FreePort()}/fhir";

        var result = await CliProcess.RunAsync(Path.Combine(scene.System.WorkFolder, "cli", "nobody-" + Guid.NewGuid().ToString("N")[..8]), ["gateway", "--listen", listen]);

        result.ExitCode.ShouldBe(4, result.ToString());
        using var http = new HttpClient();
        await Should.ThrowAsync<HttpRequestException>(() => http.GetAsync(new Uri(listen + "/metadata")));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
