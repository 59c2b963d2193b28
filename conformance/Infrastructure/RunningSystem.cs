using SeSPHR.Testing;

namespace SeSPHR.Conformance.Infrastructure;

/// <summary>
/// The system under test. With <c>SESPHR_FHIR_URL</c> (and <c>SESPHR_SRS_URL</c>) set, the suite
/// runs against an already deployed system; otherwise it starts the built FhirServer and SRS as
/// processes on loopback, each with a database of its own.
/// </summary>
public sealed class RunningSystem : IAsyncLifetime
{
    public Uri FhirBase { get; private set; } = null!;

    public Uri SrsBase { get; private set; } = null!;

    /// <summary>Null when the suite runs against a deployed system.</summary>
    public TestDatabase? FhirDatabase { get; private set; }

    public TestDatabase? SrsDatabase { get; private set; }

    public ServerProcess? FhirServer { get; private set; }

    public ServerProcess? Srs { get; private set; }

    public bool IsManaged => FhirServer is not null;

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable("SESPHR_FHIR_URL") is { Length: > 0 } fhirUrl)
        {
            FhirBase = new Uri(fhirUrl.TrimEnd('/') + "/");
            SrsBase = new Uri((Environment.GetEnvironmentVariable("SESPHR_SRS_URL") ?? "http://127.0.0.1:8081").TrimEnd('/') + "/");
            return;
        }

        FhirDatabase = await TestPostgres.CreateDatabaseAsync("conf_fhir");
        SrsDatabase = await TestPostgres.CreateDatabaseAsync("conf_srs");
        Srs = new ServerProcess("Srs", "SeSPHR.Srs", new Dictionary<string, string>
        {
            ["ConnectionStrings__Srs"] = SrsDatabase.ConnectionString,
            ["Srs__KeyEncryptionKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        });
        // The plain FHIR configuration: this suite checks FHIR REST behaviour with ordinary
        // resources, as any FHIR client sends them (protected writes are covered in tests/FhirServer).
        FhirServer = new ServerProcess("FhirServer", "SeSPHR.FhirServer", new Dictionary<string, string>
        {
            ["ConnectionStrings__Fhir"] = FhirDatabase.ConnectionString,
            ["Fhir__ProtectedSections"] = "false",
            ["Fhir__Auth__Required"] = "false",
            ["Fhir__Access__ConsentCheck"] = "false",
        });
        await Task.WhenAll(Srs.StartAsync(), FhirServer.StartAsync());
        FhirBase = new Uri(FhirServer.BaseAddress, "/fhir/");
        SrsBase = Srs.BaseAddress;
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

        if (SrsDatabase is not null)
        {
            await SrsDatabase.DisposeAsync();
        }
    }
}
