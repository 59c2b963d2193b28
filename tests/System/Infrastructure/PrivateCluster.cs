using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace SeSPHR.SystemTests.Infrastructure;

/// <summary>
/// A PostgreSQL cluster of one test's own, made and run with the helpers of <c>scripts/pg.sh</c> as
/// <c>./sesphr test</c> makes the run's shared cluster, so that the test may stop and start it
/// without disturbing any other test.
/// </summary>
public sealed class PrivateCluster : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sesphr-pg-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly int _port = FreeLoopbackPort();
    private readonly string _password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    /// <summary>Its superuser's connection string (password login on loopback).</summary>
    public string AdminConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = _port,
        Database = "postgres",
        Username = "sesphr_test",
        Password = _password,
        MaxPoolSize = 10,
    }.ConnectionString;

    /// <summary>Makes the cluster, starts it and creates its superuser for password login.</summary>
    public async Task InitializeAsync()
    {
        // The cluster's OS owner (postgres, when the tests run as root) walks into the folder.
        Directory.CreateDirectory(_folder);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_folder, (UnixFileMode)Convert.ToInt32("755", 8));
        }

        await PgShAsync("pg_init \"$1/data\" \"$1/sock\" 'fsync = off\nmax_connections = 100'");
        await StartAsync();
        await PgShAsync($"pg_psql \"$1/sock\" \"$2\" -c \"CREATE ROLE sesphr_test LOGIN SUPERUSER PASSWORD '{_password}'\"");
    }

    public Task StartAsync() => PgShAsync("pg_start \"$1/data\" \"$1/sock\" \"$2\" \"$1/postgresql.log\"");

    /// <summary>A fast shutdown, as an operator's restart does: open connections are cut.</summary>
    public Task StopAsync() => PgShAsync("pg_stop \"$1/data\"");

    public async Task DisposeAsync()
    {
        if (Directory.Exists(_folder))
        {
            await StopAsync();
            Directory.Delete(_folder, recursive: true);
        }
    }

    // Runs a line of bash with scripts/pg.sh sourced, the folder as $1 and the port as $2.
    private async Task PgShAsync(string script)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"set -e; . '{Path.Combine(Repository.Root, "scripts", "pg.sh")}'; PGBIN=${{SESPHR_PGBIN:-$(pg_find_bin)}}; {script}");
        start.ArgumentList.Add("pg");
        start.ArgumentList.Add(_folder);
        start.ArgumentList.Add(_port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not run bash");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/pg.sh: {script} failed ({process.ExitCode}): {await output}{await error}");
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
