using System.Diagnostics;
using System.Text.Json;
using SeSPHR.SystemTests.Infrastructure;

namespace SeSPHR.SystemTests.AtomicGrants;

/// <summary>
/// One run of the patient's client program (tests/System/GrantClient) under the test's control:
/// the job goes in on stdin, the client announces each step on stdout, and the test either lets it
/// go on or SIGKILLs it there. Its output is kept for the failure message.
/// </summary>
public sealed class GrantClientProcess : IDisposable
{
    private static readonly TimeSpan LineTimeout = TimeSpan.FromSeconds(90);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Process _process;
    private readonly List<string> _output = [];

    private readonly bool _pauses;

    private GrantClientProcess(Process process, bool pauses)
    {
        _process = process;
        _pauses = pauses;
    }

    public static string AssemblyPath => Path.Combine(
        Repository.Root, "tests", "System", "GrantClient", "bin", Repository.Configuration, "net10.0", "SeSPHR.GrantClient.dll");

    /// <summary>Everything the client wrote so far, for failure messages.</summary>
    public string Transcript => string.Join(" | ", _output);

    public static GrantClientProcess Start(GrantJob job)
    {
        File.Exists(AssemblyPath).ShouldBeTrue($"{AssemblyPath} is not built (the test project references it; ./sesphr test builds it)");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(AssemblyPath);
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the grant client");
        process.StandardInput.WriteLine(JsonSerializer.Serialize(job, Json));
        process.StandardInput.Flush();
        return new GrantClientProcess(process, job.Pause);
    }

    /// <summary>Reads output up to the announcement of <paramref name="step"/>, answering every earlier step with a go-ahead; returns that line.</summary>
    public async Task<string> RunToStepAsync(string step)
    {
        while (true)
        {
            var line = await NextLineAsync();
            if (line.StartsWith($"STEP {step} ", StringComparison.Ordinal))
            {
                return line;
            }

            if (line.StartsWith("DONE", StringComparison.Ordinal) || line.StartsWith("FAILED", StringComparison.Ordinal))
            {
                throw new ShouldAssertException($"the client ended before step {step}: {Transcript}");
            }

            if (line.StartsWith("STEP ", StringComparison.Ordinal))
            {
                await GoOnAsync();
            }
        }
    }

    /// <summary>Lets the client go through every step; returns what followed DONE, or fails with the transcript.</summary>
    public async Task<string> RunToEndAsync()
    {
        while (true)
        {
            var line = await NextLineAsync();
            if (line.StartsWith("DONE ", StringComparison.Ordinal))
            {
                await _process.WaitForExitAsync();
                return line["DONE ".Length..];
            }

            if (line.StartsWith("FAILED", StringComparison.Ordinal))
            {
                throw new ShouldAssertException($"the grant client failed: {Transcript}");
            }

            if (line.StartsWith("STEP ", StringComparison.Ordinal))
            {
                await GoOnAsync();
            }
        }
    }

    /// <summary>SIGKILL while the client waits at a step: nothing after it runs, no handler, no flush.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
    }

    /// <summary>The go-ahead for a client that waits at each step; one that does not wait may already have exited.</summary>
    private async Task GoOnAsync()
    {
        if (!_pauses)
        {
            return;
        }

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
            throw new ShouldAssertException($"the grant client said nothing for {LineTimeout.TotalSeconds} s: {Transcript}");
        }

        if (line is null)
        {
            var errors = await _process.StandardError.ReadToEndAsync();
            throw new ShouldAssertException($"the grant client exited: {Transcript} {errors[..Math.Min(errors.Length, 600)]}");
        }

        _output.Add(line);
        return line;
    }
}
