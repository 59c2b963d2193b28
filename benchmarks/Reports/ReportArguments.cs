namespace SeSPHR.Benchmarks.Reports;

/// <summary>The arguments every report command shares.</summary>
public static class ReportArguments
{
    /// <summary>Where the report goes: <c>--out DIR</c>, else <c>benchmarks/results</c> from the repository root.</summary>
    public static string Folder(string[] args)
    {
        var index = Array.IndexOf(args, "--out");
        var folder = index >= 0 && index + 1 < args.Length ? args[index + 1] : Path.Combine("benchmarks", "results");
        Directory.CreateDirectory(folder);
        return folder;
    }
}
