using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Builder;
using SeSPHR.Cli.Gateway;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Records;
using SeSPHR.SystemTests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.SystemTests.Gateway;

/// <summary>
/// A running system with one patient whose Synthea record was sealed and written by the patient's
/// own client (the SDK, not the gateway), and the patient's gateway running in this process on a
/// free loopback port with its token: what a FHIR app on the patient's machine would talk to.
/// </summary>
public sealed class GatewayScene : IAsyncLifetime
{
    private WebApplication? _gateway;

    public SesphrSystem System { get; } = new();

    public PhrUser Patient { get; private set; } = null!;

    /// <summary>The patient's password, for a test that signs the patient in on a second device.</summary>
    public string PatientPassword { get; private set; } = "";

    /// <summary>The patient's record as their client wrote it, in the clear.</summary>
    public IReadOnlyList<Resource> Source { get; private set; } = [];

    /// <summary>The gateway's FHIR base, ending in <c>/fhir/</c>.</summary>
    public Uri Base { get; private set; } = null!;

    public string Token { get; private set; } = "";

    internal GatewayUser Account { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await System.InitializeAsync();
        PatientPassword = PhrUser.NewPassword();
        Patient = await System.NewPatientAsync("gateway-patient", PatientPassword);
        var journal = System.JournalFolder(Patient);
        var record = new PatientRecord(Patient, PatientGrants.Open(Patient, journal).Book);
        Source = SyntheaPatient.Load(SyntheaPatient.SmallestBundle, record.PatientId);
        var transaction = new Bundle { Type = Bundle.BundleType.Transaction };
        foreach (var resource in Source)
        {
            transaction.Entry.Add(new Bundle.EntryComponent
            {
                Resource = record.Seal(resource),
                Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"{resource.TypeName}/{resource.Id}" },
            });
        }

        var written = await Patient.Fhir.TransactionAsync(transaction);
        written.IsSuccess.ShouldBeTrue(written.Body.Length > 400 ? written.Body[..400] : written.Body);

        Account = new GatewayUser(Patient, journal);
        var token = GatewayToken.Create();
        Token = token.Value;
        (_gateway, Base) = await StartAsync(Account, token);
    }

    /// <summary>A gateway for <paramref name="account"/> on a free loopback port; the caller stops it.</summary>
    internal static async Task<(WebApplication App, Uri Base)> StartAsync(GatewayUser account, GatewayToken token)
    {
        var app = GatewayHost.Build(account, new GatewaySettings(new Uri("http://127.0.0.1:0/fhir")), token);
        await app.StartAsync();
        return (app, new Uri(app.Urls.Single().TrimEnd('/') + "/fhir/"));
    }

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        Patient?.Dispose();
        await System.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class GatewaySceneGroup : ICollectionFixture<GatewayScene>
{
    public const string Name = "gateway scene";
}
