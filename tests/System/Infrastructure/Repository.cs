namespace SeSPHR.SystemTests.Infrastructure;

/// <summary>Where the checkout and the servers' build output are, seen from the test assembly.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>The configuration the servers were built in: the same as this test assembly's.</summary>
    public static string Configuration { get; } =
        Environment.GetEnvironmentVariable("SESPHR_TEST_CONFIGURATION") is { Length: > 0 } configured
            ? configured
            : new DirectoryInfo(AppContext.BaseDirectory).Parent!.Parent!.Name;

    public static string ServerAssembly(string project, string assemblyName) =>
        Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", assemblyName + ".dll");

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "SeSPHR.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("SeSPHR.sln not found above " + AppContext.BaseDirectory);
    }
}
