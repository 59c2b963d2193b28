using System.Diagnostics;
using System.Globalization;

namespace SeSPHR.Benchmarks.Reports;

/// <summary>
/// What every report states about its run: the machine, the date, the commit measured, the mode and
/// how busy the machine was, because a shared machine makes every figure slower and a reader must be
/// able to tell a quiet run from a loaded one.
/// </summary>
public sealed record RunInfo(string Date, string Commit, string Mode, string Cpu, int Cores, string Memory, string Runtime, string LoadBefore)
{
    public string LoadAfter { get; private set; } = "";

    public static RunInfo Capture(string mode) => new(
        DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
        CurrentCommit(),
        mode,
        FirstValue("/proc/cpuinfo", "model name") ?? "unknown",
        Environment.ProcessorCount,
        MemoryText(),
        System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
        LoadAverage());

    public RunInfo Finish()
    {
        LoadAfter = LoadAverage();
        return this;
    }

    /// <summary>The Markdown lines every report opens with.</summary>
    public string MarkdownHeader() =>
        $"Machine: {Cpu}, {Cores} cores, {Memory}; {Runtime}. Date: {Date}. Commit: `{Commit}`. Mode: {Mode}. " +
        $"Load average (1, 5, 15 min) before: {LoadBefore}; after: {LoadAfter}.";

    private static string CurrentCommit()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "describe --always --dirty --abbrev=10")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var text = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 ? text : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown (no git)";
        }
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string MemoryText()
    {
        var kib = FirstValue("/proc/meminfo", "MemTotal")?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        return kib is null ? "unknown memory" : $"{long.Parse(kib, CultureInfo.InvariantCulture) / 1024.0 / 1024.0:F0} GiB";
    }

    private static string? FirstValue(string file, string key) =>
        File.Exists(file)
            ? File.ReadLines(file).Where(line => line.StartsWith(key, StringComparison.Ordinal))
                .Select(line => line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()).FirstOrDefault()
            : null;
}
