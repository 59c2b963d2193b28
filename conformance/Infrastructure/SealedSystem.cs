using System.Security.Cryptography;
using SeSPHR.Client.Accounts;
using SeSPHR.Testing;

namespace SeSPHR.Conformance.Infrastructure;

/// <summary>
/// SeSPHR as it is deployed: the FhirServer in its production configuration (protected sections,
/// sign-in required, Consent enforced) trusting the SRS beside it. With <c>SESPHR_FHIR_URL</c> and
/// <c>SESPHR_SRS_URL</c> set, the deployed system at those addresses; otherwise the built executables
/// started on loopback, each with a database of its own.
/// </summary>
public sealed class SealedSystem : IAsyncLifetime
{
    public SystemEndpoints Endpoints { get; private set; } = null!;

    /// <summary>Null when the suite runs against a deployed system.</summary>
    public TestDatabase? FhirDatabase { get; private set; }

    private TestDatabase? _srsDatabase;
    private ServerProcess? Srs { get; set; }

    private ServerProcess? FhirServer { get; set; }
    private string? _workFolder;

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable("SESPHR_FHIR_URL") is { Length: > 0 } fhirUrl)
        {
            var srsUrl = Environment.GetEnvironmentVariable("SESPHR_SRS_URL") ?? "http://127.0.0.1:8081";
            Endpoints = new SystemEndpoints(new Uri(srsUrl.TrimEnd('/') + "/"), new Uri(fhirUrl.TrimEnd('/') + "/"));
            return;
        }

        _workFolder = Directory.CreateTempSubdirectory("sesphr-conformance-").FullName;
        FhirDatabase = await TestPostgres.CreateDatabaseAsync("conf_sealed_fhir");
        _srsDatabase = await TestPostgres.CreateDatabaseAsync("conf_sealedSrs");
        var serviceSecret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var srsEnvironment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Srs"] = _srsDatabase.ConnectionString,
            ["Srs__FhirServiceSecret"] = serviceSecret,
            ["Srs__DataDirectory"] = _workFolder,
            ["Srs__KeyEncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        };
        var fhirEnvironment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Fhir"] = FhirDatabase.ConnectionString,
            ["Fhir__Auth__RequireHttpsMetadata"] = "false",
            ["Fhir__Srs__ClientSecret"] = serviceSecret,
        };

        // Each server's configuration names the other, so both ports are known before either starts.
        Srs = new ServerProcess("Srs", "SeSPHR.Srs", srsEnvironment);
        FhirServer = new ServerProcess("FhirServer", "SeSPHR.FhirServer", fhirEnvironment);
        var srsBase = Srs.BaseAddress.ToString().TrimEnd('/');
        var fhirBase = new Uri(FhirServer.BaseAddress, "/fhir/");
        srsEnvironment["Srs__FhirBaseUrl"] = fhirBase.ToString().TrimEnd('/');
        fhirEnvironment["Fhir__Auth__Authority"] = srsBase;
        fhirEnvironment["Fhir__Srs__BaseUrl"] = srsBase;
        Endpoints = new SystemEndpoints(Srs.BaseAddress, fhirBase);

        // The SRS first: the FhirServer reads its discovery document.
        await Srs.StartAsync();
        await FhirServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (FhirServer is not null)
        {
            await FhirServer.DisposeAsync();
        }

        if (Srs is not null)
        {
            await Srs.DisposeAsync();
        }

        if (FhirDatabase is not null)
        {
            await FhirDatabase.DisposeAsync();
        }

        if (_srsDatabase is not null)
        {
            await _srsDatabase.DisposeAsync();
        }

        if (_workFolder is not null)
        {
            Directory.Delete(_workFolder, recursive: true);
        }
    }
}
