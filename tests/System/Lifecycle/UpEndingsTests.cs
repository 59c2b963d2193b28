using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SeSPHR.SystemTests.Infrastructure;

namespace SeSPHR.SystemTests.Lifecycle;

/// <summary>
/// However <c>./sesphr up</c> ends (Ctrl-C with or without <c>| tee</c>, SIGTERM, a hang-up of its
/// terminal, SIGKILL, SIGKILL of its guard too), neither the services nor PostgreSQL outlive it, or
/// the next <c>up</c> stops them and starts; a port held by another program is named before
/// anything starts. The endings are driven by <c>up-endings.sh</c> against a private data folder
/// and free ports, with the binaries the test run built.
/// </summary>
public sealed class UpEndingsTests(UpEndingsTests.PrivateUp up) : IClassFixture<UpEndingsTests.PrivateUp>
{
    [Theory]
    [InlineData("interrupt")]
    [InlineData("interrupt-piped")]
    [InlineData("terminate")]
    [InlineData("hangup-piped")]
    [InlineData("kill")]
    [InlineData("kill-with-guard")]
    public async Task Given_up_runs_When_it_ends_this_way_Then_nothing_it_started_is_left_running(string ending)
    {
        var (exitCode, output) = await up.RunAsync(ending);

        exitCode.ShouldBe(0, output);
    }

    [Theory]
    [InlineData("SESPHR_FHIR_URL")]
    [InlineData("SESPHR_PG_PORT")]
    public async Task Given_a_port_of_up_is_held_by_another_program_When_up_starts_Then_it_names_the_port_and_starts_nothing(string variable)
    {
        var port = variable == "SESPHR_PG_PORT" ? up.PgPort : up.FhirPort;
        using var holder = new TcpListener(IPAddress.Loopback, port);
        holder.Start();

        var (exitCode, output) = await up.RunAsync("port-taken", port.ToString(System.Globalization.CultureInfo.InvariantCulture), variable);

        exitCode.ShouldBe(0, output);
    }

    /// <summary>A data folder and three free loopback ports for the <c>up</c>s of these tests.</summary>
    public sealed class PrivateUp : IAsyncLifetime
    {
        private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);

        public string DataFolder { get; } = Path.Combine(Path.GetTempPath(), "sesphr-up-" + Guid.NewGuid().ToString("N")[..12]);

        public int PgPort { get; } = FreeLoopbackPort();

        public int FhirPort { get; } = FreeLoopbackPort();

        public int SrsPort { get; } = FreeLoopbackPort();

        public Task InitializeAsync()
        {
            // The cluster's OS owner (postgres, when the tests run as root) walks into it.
            Directory.CreateDirectory(DataFolder);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(DataFolder, (UnixFileMode)Convert.ToInt32("755", 8));
            }

            return Task.CompletedTask;
        }

        public async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
        {
            var start = Start(Path.Combine(Repository.Root, "tests", "System", "Lifecycle", "up-endings.sh"), arguments);
            using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start up-endings.sh");
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(Patience);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return (-1, $"up-endings.sh {string.Join(' ', arguments)} did not finish within {Patience}");
            }

            return (process.ExitCode, await output + await error);
        }

        public async Task DisposeAsync()
        {
            // Whatever a failed ending left: `./sesphr stop` stops only what is ours in this folder.
            using (var stop = Process.Start(Start(Path.Combine(Repository.Root, "sesphr"), ["stop"]))!)
            {
                await stop.WaitForExitAsync();
            }

            Directory.Delete(DataFolder, recursive: true);
        }

        private ProcessStartInfo Start(string program, IEnumerable<string> arguments)
        {
            var start = new ProcessStartInfo(program)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment["SESPHR_DATA"] = DataFolder;
            start.Environment["SESPHR_PG_PORT"] = PgPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
            start.Environment["SESPHR_FHIR_URL"] = $"http://127.0.0.1:{FhirPort}";
            start.Environment["SESPHR_SRS_URL"] = $"http://127.0.0.1:{SrsPort}";
            start.Environment["SESPHR_CONFIGURATION"] = Repository.Configuration;
            start.Environment["SESPHR_BUILD"] = "0";
            start.Environment["SESPHR_DEMO"] = "0";
            return start;
        }

        private static int FreeLoopbackPort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}
