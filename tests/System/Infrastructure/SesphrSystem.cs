using System.Security.Cryptography;
using Npgsql;
using SeSPHR.Client.Accounts;
using SeSPHR.Testing;

namespace SeSPHR.SystemTests.Infrastructure;

/// <summary>
/// A whole SeSPHR system for end-to-end tests: two databases of their own on the test cluster (one
/// for the FhirServer, one for the SRS, as in production), the built SRS and FhirServer running as
/// child processes on loopback and configured to trust each other, and the first admin enrolled with
/// the one-time code the SRS wrote at its first start. Both servers' output goes to log files in
/// <see cref="WorkFolder"/> for the tests that check what an operator could read.
/// </summary>
public sealed class SesphrSystem : IAsyncLifetime
{
    /// <summary>
    /// Registration, login and tokens from one loopback address many times a minute (the matrix
    /// alone signs in eight users); the SRS's own limits are for the internet.
    /// </summary>
    private static readonly Dictionary<string, string> RelaxedRateLimits =
        new[] { "Login", "Registration", "Token", "Authorize", "Kdf", "Caller" }.ToDictionary(name => $"Srs__RateLimits__{name}__PermitLimit", _ => "10000");

    private readonly IReadOnlyDictionary<string, string> _extraFhirSettings;
    private readonly string _adminConnectionString;
    private readonly IReadOnlyDictionary<string, string> _extraSrsSettings;
    private readonly TaskCompletionSource _disposing = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _adminRefresh = Task.CompletedTask;
    private TestDatabase? _fhirDatabase;
    private TestDatabase? _srsDatabase;

    public SesphrSystem()
        : this(new Dictionary<string, string>())
    {
    }

    /// <summary>
    /// A system whose FhirServer gets <paramref name="extraFhirSettings"/> as environment entries on top
    /// of the harness's own (a test build, e.g. with the Consent check off). Internal: xunit builds a
    /// fixture through its only public constructor.
    /// </summary>
    internal SesphrSystem(IReadOnlyDictionary<string, string> extraFhirSettings)
        : this(extraFhirSettings, new Dictionary<string, string>(), TestPostgres.AdminConnectionString)
    {
    }

    /// <summary>
    /// A system whose databases are in the cluster of <paramref name="adminConnectionString"/> (a
    /// test's private cluster), with extra settings for either server.
    /// </summary>
    internal SesphrSystem(IReadOnlyDictionary<string, string> extraFhirSettings, IReadOnlyDictionary<string, string> extraSrsSettings, string adminConnectionString)
    {
        _extraFhirSettings = extraFhirSettings;
        _extraSrsSettings = extraSrsSettings;
        _adminConnectionString = adminConnectionString;
    }

    /// <summary>The FhirServer settings this system added to the harness's own.</summary>
    public IReadOnlyDictionary<string, string> ExtraFhirSettings => _extraFhirSettings;

    public string WorkFolder { get; } = Path.Combine(Path.GetTempPath(), "sesphr-system-" + Guid.NewGuid().ToString("N")[..12]);

    public ServerProcess Srs { get; private set; } = null!;

    public ServerProcess FhirServer { get; private set; } = null!;

    public SystemEndpoints Endpoints { get; private set; } = null!;

    /// <summary>The first admin, enrolled with the SRS's one-time code and logged in.</summary>
    public PhrUser Admin { get; private set; } = null!;

    /// <summary>The enrolled admin's password, for signing in as them elsewhere (the web portal).</summary>
    public string AdminPassword { get; } = PhrUser.NewPassword();

    /// <summary>
    /// The client secret of the FhirServer's service client (<c>sesphr-fhir</c>), which the harness
    /// configured in both servers; tests use it to speak to the SRS as the FhirServer would.
    /// </summary>
    public string ServiceSecret { get; private set; } = "";

    public TestDatabase SrsDatabase => _srsDatabase ?? throw new InvalidOperationException("not started");

    public TestDatabase FhirDatabase => _fhirDatabase ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(WorkFolder);
        var srsData = Directory.CreateDirectory(Path.Combine(WorkFolder, "srs-data"));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(srsData.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        _fhirDatabase = await TestPostgres.CreateDatabaseAsync("sys_fhir", _adminConnectionString);
        _srsDatabase = await TestPostgres.CreateDatabaseAsync("sys_srs", _adminConnectionString);
        ServiceSecret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var serviceSecret = ServiceSecret;

        // Both ports are chosen before either starts: each server's configuration names the other.
        var srsEnvironment = new Dictionary<string, string>(RelaxedRateLimits)
        {
            ["ConnectionStrings__Srs"] = WithPool(_srsDatabase.ConnectionString),
            ["Srs__FhirServiceSecret"] = serviceSecret,
            ["Srs__DataDirectory"] = srsData.FullName,
            // The SRS seals its keys under this; a restart of the same process keeps it.
            ["Srs__KeyEncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        };
        var fhirEnvironment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Fhir"] = WithPool(_fhirDatabase.ConnectionString),
            ["Fhir__Auth__RequireHttpsMetadata"] = "false",
            ["Fhir__Srs__ClientSecret"] = serviceSecret,
            // A suspension must reach the FhirServer within a test's patience, not the 10 s default.
            ["Fhir__Srs__WithdrawnPollInterval"] = "00:00:01",
        };
        foreach (var (name, value) in _extraFhirSettings)
        {
            fhirEnvironment[name] = value;
        }

        foreach (var (name, value) in _extraSrsSettings)
        {
            srsEnvironment[name] = value;
        }

        Srs = new ServerProcess("srs", "Srs", "SeSPHR.Srs", WorkFolder, srsEnvironment);
        FhirServer = new ServerProcess("fhir", "FhirServer", "SeSPHR.FhirServer", WorkFolder, fhirEnvironment);
        var srsUrl = Srs.BaseAddress.ToString().TrimEnd('/');
        var fhirBase = new Uri(FhirServer.BaseAddress, "fhir/");
        srsEnvironment["Srs__FhirBaseUrl"] = fhirBase.ToString().TrimEnd('/');
        fhirEnvironment["Fhir__Auth__Authority"] = srsUrl;
        fhirEnvironment["Fhir__Srs__BaseUrl"] = srsUrl;
        Endpoints = new SystemEndpoints(Srs.BaseAddress, fhirBase);

        // The SRS first: the FhirServer may read its discovery document when it starts.
        await Srs.StartAsync();
        await FhirServer.StartAsync();

        Admin = PhrUser.Create(Endpoints, "admin-" + Unique(), SrsRoles.Admin, "Practitioner/admin-" + Unique(), AdminPassword);
        await Admin.EnrolAsAdminAsync(await ReadEnrolmentCodeAsync(srsData.FullName));
        await Admin.LoginAsync();
        _adminRefresh = KeepAdminSignedInAsync();
    }

    /// <summary>A patient registered (active at once) and logged in; their <c>fhirUser</c> is <c>Patient/{random id}</c>.</summary>
    public async Task<PhrUser> NewPatientAsync(string name, string? password = null)
    {
        var patient = PhrUser.Create(Endpoints, $"{name}-{Unique()}", SrsRoles.Patient, "Patient/" + Guid.NewGuid().ToString("N"), password);
        await patient.RegisterAsync();
        await patient.LoginAsync();
        return patient;
    }

    /// <summary>A user of <paramref name="role"/> registered, approved by the admin when the role waits for approval, and logged in.</summary>
    public async Task<PhrUser> NewMemberAsync(string name, string role)
    {
        var fhirType = role switch
        {
            SrsRoles.Patient => "Patient",
            SrsRoles.RelatedPerson => "RelatedPerson",
            SrsRoles.Insurer => "Organization",
            _ => "Practitioner",
        };
        var member = PhrUser.Create(Endpoints, $"{name}-{Unique()}", role, $"{fhirType}/{Guid.NewGuid():N}");
        var registered = await member.RegisterAsync();
        if (registered.Status == "pending")
        {
            // The admin signs in once per system; a long run outlives their 15-minute tokens.
            await Admin.RenewIfExpiringAsync();
            await Admin.Srs.ApproveAsync(registered.UserId.ToString(), await Admin.GetSrsAccessTokenAsync());
        }

        await member.LoginAsync();
        return member;
    }

    /// <summary>A journal folder of its own for one user's client.</summary>
    public string JournalFolder(PhrUser user) => Path.Combine(WorkFolder, "journals", user.Username);

    /// <summary>Runs a scalar query on the SRS database, as its database administrator could.</summary>
    public async Task<long> CountInSrsAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(SrsDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task DisposeAsync()
    {
        _disposing.TrySetResult();
        await _adminRefresh;
        Admin?.Dispose();
        if (FhirServer is not null)
        {
            await FhirServer.DisposeAsync();
        }

        if (Srs is not null)
        {
            await Srs.DisposeAsync();
        }

        if (_fhirDatabase is not null)
        {
            await _fhirDatabase.DisposeAsync();
        }

        if (_srsDatabase is not null)
        {
            await _srsDatabase.DisposeAsync();
        }

        // WorkFolder (logs, journals) is left for inspection after a failed run.
    }

    // Access tokens live 15 minutes and the tests of one system may take longer on a busy machine:
    // the admin's token is refreshed well before it expires, as a long-running client would.
    private async Task KeepAdminSignedInAsync()
    {
        while (await Task.WhenAny(Task.Delay(TimeSpan.FromMinutes(5)), _disposing.Task) != _disposing.Task)
        {
            try
            {
                await Admin.RefreshAsync();
            }
            catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException or SrsRequestException or SeSPHR.Client.Errors.SrsUnavailableException)
            {
                // The SRS is down for a test (SrsOutage): the next round tries again, well within the token's life.
            }
        }
    }

    private static async Task<string> ReadEnrolmentCodeAsync(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, "enrolment-code");
        for (var attempt = 0; attempt < 50 && !File.Exists(path); attempt++)
        {
            await Task.Delay(100);
        }

        return File.Exists(path)
            ? (await File.ReadAllTextAsync(path)).Trim()
            : throw new InvalidOperationException($"The SRS wrote no enrolment code to {path} at its first start (src/Srs/API.md, POST /api/enrolment).");
    }

    // Each server's pool is capped like a deployment's (./sesphr up): several systems share the test
    // cluster, and Npgsql's default of 100 per pool could use up its max_connections.
    private static string WithPool(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 20 }.ConnectionString;

    private static string Unique() => Guid.NewGuid().ToString("N")[..8];
}

/// <summary>All end-to-end tests share one running system (two servers cost a core each to start).</summary>
[CollectionDefinition(Name)]
public sealed class RunningSystemGroup : ICollectionFixture<SesphrSystem>
{
    public const string Name = "running system";
}

/// <summary>
/// A second running system whose FhirServer has <c>Fhir:Access:ConsentCheck=false</c>: signed-in
/// callers are not filtered at all, so only the SRS's kfrags decide who decrypts what.
/// Started only by the tests of its own collection.
/// </summary>
public sealed class SesphrSystemWithoutConsentCheck : IAsyncLifetime
{
    public SesphrSystem System { get; } = new(new Dictionary<string, string> { ["Fhir__Access__ConsentCheck"] = "false" });

    public Task InitializeAsync() => System.InitializeAsync();

    public Task DisposeAsync() => System.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class RunningSystemWithoutConsentCheckGroup : ICollectionFixture<SesphrSystemWithoutConsentCheck>
{
    public const string Name = "running system without consent check";
}
