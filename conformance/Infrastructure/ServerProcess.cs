using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SeSPHR.Conformance.Infrastructure;

/// <summary>
/// One of the built server executables, started as a real process on a free loopback port, the
/// way an operator runs it. Killing it is a real crash (SIGKILL), not a graceful shutdown.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly string _assemblyPath;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private Process? _process;

    public ServerProcess(string project, string assemblyName, IReadOnlyDictionary<string, string> environment)
    {
        _assemblyPath = Path.Combine(Repository.Root, "src", project, "bin", Repository.Configuration, "net10.0", assemblyName + ".dll");
        if (!File.Exists(_assemblyPath))
        {
            throw new FileNotFoundException($"{_assemblyPath} is not built; run ./sesphr test (it builds first).");
        }

        _environment = environment;
        Port = FreeLoopbackPort();
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public async Task StartAsync()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(_assemblyPath)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(_assemblyPath);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(BaseAddress.ToString().TrimEnd('/'));
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (name, value) in _environment)
        {
            start.Environment[name] = value;
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + _assemblyPath);
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Path.GetFileName(_assemblyPath)} exited with {_process.ExitCode} during start-up");
            }

            try
            {
                if ((await http.GetAsync(new Uri(BaseAddress, "/healthz"))).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{Path.GetFileName(_assemblyPath)} did not become healthy within 60 s");
    }

    /// <summary>SIGKILL: no shutdown hooks run, nothing gets flushed that was not already durable.</summary>
    public void Crash()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public ValueTask DisposeAsync()
    {
        Crash();
        _process?.Dispose();
        return ValueTask.CompletedTask;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
