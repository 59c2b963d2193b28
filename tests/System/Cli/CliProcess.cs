using System.Diagnostics;
using SeSPHR.Client.Accounts;
using SeSPHR.SystemTests.Infrastructure;

namespace SeSPHR.SystemTests.Cli;

/// <summary>What a finished run of the CLI left: its exit code and its two output streams.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}; stdout: {Stdout[..Math.Min(Stdout.Length, 400)]}; stderr: {Stderr[..Math.Min(Stderr.Length, 800)]}";
}

/// <summary>
/// The built <c>sesphr</c> CLI (src/Cli) run as a process, as a person or a script runs it: its own
/// profile folder (<c>SESPHR_HOME</c>), the password as the first line of stdin
/// (<c>--password-stdin</c>), and, for the crash tests, its fault-injection seam
/// (<c>SESPHR_STEP_GATE=1</c>: <c>STEP {step} {consentId}</c> on stdout, then a wait for a line on stdin).
/// </summary>
public sealed class CliProcess : IDisposable
{
    private static readonly TimeSpan LineTimeout = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly Task<string> _stderr;

    private CliProcess(Process process)
    {
        _process = process;
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public static string AssemblyPath => Path.Combine(Repository.Root, "src", "Cli", "bin", Repository.Configuration, "net10.0", "sesphr.dll");

    /// <summary>Everything the CLI wrote on stdout so far, for failure messages.</summary>
    public string Transcript => string.Join(" | ", _output);

    public int Pid => _process.Id;

    public static CliProcess Start(string home, IEnumerable<string> arguments, string? password = null, bool stepGate = false)
    {
        File.Exists(AssemblyPath).ShouldBeTrue($"{AssemblyPath} is not built (the test project references src/Cli; ./sesphr test builds it)");
        // A test run started in the background (a shell's `&`) ignores SIGINT, and the CLI would
        // inherit that (.NET keeps an ignored SIGINT ignored); env gives it the default a terminal has.
        var start = new ProcessStartInfo("env")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--default-signal=INT");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(AssemblyPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["SESPHR_HOME"] = home;
        start.Environment["SESPHR_STEP_GATE"] = stepGate ? "1" : "0";
        start.Environment["NO_COLOR"] = "1";
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the CLI");
        if (password is not null)
        {
            process.StandardInput.WriteLine(password);
            process.StandardInput.Flush();
        }

        if (!stepGate)
        {
            process.StandardInput.Close();
        }

        return new CliProcess(process);
    }

    /// <summary>Runs the CLI to its end.</summary>
    public static async Task<CliResult> RunAsync(string home, IEnumerable<string> arguments, string? password = null)
    {
        using var cli = Start(home, arguments, password);
        var stdout = await cli._process.StandardOutput.ReadToEndAsync();
        await cli._process.WaitForExitAsync();
        return new CliResult(cli._process.ExitCode, stdout, await cli._stderr);
    }

    /// <summary>Signs <paramref name="user"/> in on a profile folder of its own under <paramref name="system"/>'s work folder; returns the folder.</summary>
    public static async Task<string> LoginAsync(SesphrSystem system, PhrUser user, string password)
    {
        var home = HomeOf(system, user);
        var result = await RunAsync(home, ["login", user.Username, "--password-stdin", .. ServerArguments(system)], password);
        result.ExitCode.ShouldBe(0, result.ToString());
        return home;
    }

    public static string HomeOf(SesphrSystem system, PhrUser user) => Path.Combine(system.WorkFolder, "cli", user.Username);

    /// <summary>The patient's grant journal inside a CLI profile folder.</summary>
    public static string JournalOf(string home) => Path.Combine(home, "journal");

    public static string[] ServerArguments(SesphrSystem system) => ["--srs", system.Endpoints.Srs.ToString(), "--fhir", system.Endpoints.Fhir.ToString()];

    /// <summary>Reads stdout up to the announcement of <paramref name="step"/>, letting every earlier step go on; returns that line.</summary>
    public async Task<string> RunToStepAsync(string step)
    {
        while (true)
        {
            var line = await NextLineAsync();
            if (line.StartsWith($"STEP {step} ", StringComparison.Ordinal))
            {
                return line;
            }

            if (line.StartsWith("STEP ", StringComparison.Ordinal))
            {
                await GoOnAsync();
            }
        }
    }

    /// <summary>Lets the CLI go through every step; returns its result.</summary>
    public async Task<CliResult> RunToEndAsync()
    {
        var rest = new List<string>();
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            _output.Add(line);
            rest.Add(line);
            if (line.StartsWith("STEP ", StringComparison.Ordinal))
            {
                await GoOnAsync();
            }
        }

        await _process.WaitForExitAsync();
        return new CliResult(_process.ExitCode, string.Join('\n', rest), await _stderr);
    }

    /// <summary>SIGKILL: nothing after this instant runs, no handler, no flush.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>SIGINT, as Ctrl-C at a terminal sends it.</summary>
    public void Interrupt() => Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    public async Task<CliResult> WaitAsync()
    {
        var stdout = await _process.StandardOutput.ReadToEndAsync();
        await _process.WaitForExitAsync();
        return new CliResult(_process.ExitCode, stdout, await _stderr);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
    }

    private async Task GoOnAsync()
    {
        await _process.StandardInput.WriteLineAsync("go");
        await _process.StandardInput.FlushAsync();
    }

    private async Task<string> NextLineAsync()
    {
        using var timeout = new CancellationTokenSource(LineTimeout);
        string? line;
        try
        {
            line = await _process.StandardOutput.ReadLineAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new ShouldAssertException($"the CLI said nothing for {LineTimeout.TotalSeconds} s: {Transcript}");
        }

        if (line is null)
        {
            throw new ShouldAssertException($"the CLI exited: {Transcript} {await _stderr}");
        }

        _output.Add(line);
        return line;
    }
}
