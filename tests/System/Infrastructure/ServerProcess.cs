using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SeSPHR.SystemTests.Infrastructure;

/// <summary>
/// One built server, run as a real child process on a fixed free loopback port, the way an operator
/// runs it. Everything it writes to stdout and stderr is appended to <see cref="LogFile"/>, so tests
/// can check what an operator reading the logs would learn. It can be stopped, crashed and started
/// again on the same port (the SRS-down scenarios).
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly string _assemblyPath;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly Lock _logLock = new();
    private StreamWriter? _log;
    private Process? _process;

    public ServerProcess(string name, string project, string assemblyName, string logFolder, IReadOnlyDictionary<string, string> environment)
    {
        _assemblyPath = Repository.ServerAssembly(project, assemblyName);
        if (!File.Exists(_assemblyPath))
        {
            throw new FileNotFoundException($"{_assemblyPath} is not built; run ./sesphr test (it builds first).");
        }

        Name = name;
        _environment = environment;
        Port = FreeLoopbackPort();
        LogFile = Path.Combine(logFolder, name + ".log");
    }

    public string Name { get; }

    /// <summary>
    /// How long a start may take before the test gives up: 180 s, or <c>SESPHR_TEST_START_TIMEOUT</c>
    /// seconds. A shared build machine under load takes minutes to JIT a server's start-up.
    /// </summary>
    public static TimeSpan StartTimeout { get; } = TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("SESPHR_TEST_START_TIMEOUT"), out var seconds) && seconds > 0 ? seconds : 180);

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    /// <summary>stdout and stderr of every run of this server, in order.</summary>
    public string LogFile { get; }

    public bool IsRunning => _process is { HasExited: false };

    public async Task StartAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{Name} is already running");
        }

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

        _log ??= new StreamWriter(new FileStream(LogFile, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + _assemblyPath);
        _process.OutputDataReceived += (_, line) => Append(line.Data);
        _process.ErrorDataReceived += (_, line) => Append(line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} during start-up; see {LogFile}");
            }

            try
            {
                if ((await http.GetAsync(new Uri(BaseAddress, "healthz"))).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Listening but not answering yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{Name} did not become healthy within {StartTimeout.TotalSeconds} s; see {LogFile}");
    }

    /// <summary>SIGKILL: no shutdown hooks run; whatever was not durable is lost.</summary>
    public void Crash()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    /// <summary>Stops the server (killed: the tests care about it being gone, not about a graceful exit).</summary>
    public void Stop() => Crash();

    public async Task RestartAsync()
    {
        Stop();
        await StartAsync();
    }

    /// <summary>Everything the server has logged so far.</summary>
    public string ReadLog()
    {
        lock (_logLock)
        {
            using var reader = new StreamReader(new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            return reader.ReadToEnd();
        }
    }

    public ValueTask DisposeAsync()
    {
        Crash();
        _process?.Dispose();
        lock (_logLock)
        {
            _log?.Dispose();
            _log = null;
        }

        return ValueTask.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logLock)
        {
            _log?.WriteLine(line);
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
