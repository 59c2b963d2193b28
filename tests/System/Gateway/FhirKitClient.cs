using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using SeSPHR.SystemTests.Infrastructure;

namespace SeSPHR.SystemTests.Gateway;

/// <summary>
/// The npm package <c>fhir-kit-client</c>, a FHIR client written by others for JavaScript apps,
/// installed with npm into the git-ignored <c>tests/System/Gateway/node/</c> on first use (under a
/// lock, so parallel test processes install it once) and driven by a small script per test. When
/// node or npm is missing or the install fails this throws: the tests fail, they never skip.
/// </summary>
public static class FhirKitClient
{
    public const string PackageVersion = "2.0.3";
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(3);
    private static readonly Lazy<string> Folder = new(Install);

    /// <summary>Runs <paramref name="script"/> (an ES module importing <c>Client</c>) with <paramref name="input"/> as JSON on stdin; returns its JSON stdout.</summary>
    public static async Task<JsonNode> RunAsync(string script, JsonObject input)
    {
        var folder = Folder.Value;
        var file = Path.Combine(folder, $"script-{Guid.NewGuid():N}.mjs");
        await File.WriteAllTextAsync(file, "import { Client } from 'fhir-kit-client';\n" + script);
        try
        {
            var (exitCode, stdout, stderr) = await RunAsync("node", [file], folder, input.ToJsonString(), ScriptTimeout);
            exitCode.ShouldBe(0, $"node failed: {stderr}");
            return JsonNode.Parse(stdout) ?? throw new InvalidOperationException("The script printed no JSON.");
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string Install()
    {
        var folder = Path.Combine(Repository.Root, "tests", "System", "Gateway", "node");
        Directory.CreateDirectory(folder);
        using var installLock = Lock(Path.Combine(folder, ".install.lock"));
        if (IsInstalled(folder))
        {
            return folder;
        }

        File.WriteAllText(
            Path.Combine(folder, "package.json"),
            $$"""{ "name": "sesphr-gateway-apps", "private": true, "type": "module", "dependencies": { "fhir-kit-client": "{{PackageVersion}}" } }""");
        var (exitCode, stdout, stderr) = RunAsync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], folder, null, InstallTimeout).GetAwaiter().GetResult();
        if (exitCode != 0 || !IsInstalled(folder))
        {
            throw new InvalidOperationException($"npm install of fhir-kit-client@{PackageVersion} failed ({exitCode}): {stdout} {stderr}");
        }

        return folder;
    }

    private static bool IsInstalled(string folder)
    {
        var manifest = Path.Combine(folder, "node_modules", "fhir-kit-client", "package.json");
        if (!File.Exists(manifest))
        {
            return false;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(manifest));
        return document.RootElement.GetProperty("version").GetString() == PackageVersion;
    }

    private static FileStream Lock(string path)
    {
        var deadline = DateTime.UtcNow + InstallTimeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(250);
            }
        }
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string program, string[] arguments, string folder, string? input, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish within {timeout}.");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
