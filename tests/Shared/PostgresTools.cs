using System.Diagnostics;
using Npgsql;

namespace SeSPHR.Testing;

/// <summary>The PostgreSQL client programs of the machine (psql, pg_dump), run against the test cluster.</summary>
public static class PostgresTools
{
    private static string Bin => Environment.GetEnvironmentVariable("SESPHR_PGBIN") is { Length: > 0 } bin
        ? bin
        : Directory.GetDirectories("/usr/lib/postgresql").Order().Last() + "/bin";

    /// <summary>Runs a program of the PostgreSQL bin folder as the test superuser; returns stdout.</summary>
    public static async Task<string> RunAsync(string program, string database, IEnumerable<string> arguments, string? standardInput = null)
    {
        var admin = new NpgsqlConnectionStringBuilder(TestPostgres.AdminConnectionString);
        var start = new ProcessStartInfo(Path.Combine(Bin, program))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-h", admin.Host!, "-p", admin.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", admin.Username!, "-d", database }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PGPASSWORD"] = admin.Password;
        using var process = Process.Start(start)!;
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
            process.StandardInput.Close();
        }

        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} failed ({process.ExitCode}): {await error}");
        }

        return await output;
    }

    public static Task<string> DumpAsync(string database) => RunAsync("pg_dump", database, ["--no-owner"]);
}
