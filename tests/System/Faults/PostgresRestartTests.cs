using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Records;
using SeSPHR.SystemTests.Infrastructure;
using SeSPHR.SystemTests.Scenarios.Support;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.SystemTests.Faults;

/// <summary>
/// PostgreSQL is restarted while users read, write and sign in. Meanwhile both services answer 503
/// with <c>Retry-After</c> (an OperationOutcome from the FhirServer, problem+json from the SRS),
/// never 500, and once PostgreSQL is back they serve again without being restarted. The system runs
/// on a cluster of this test's own, so the restart disturbs no other test.
/// </summary>
public sealed class PostgresRestartTests : IAsyncLifetime
{
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(60);

    private readonly PrivateCluster _cluster = new();
    private SesphrSystem _system = null!;

    public async Task InitializeAsync()
    {
        await _cluster.InitializeAsync();
        // The SRS's background sweep of pending kfrags runs every second, so that it meets the outage too.
        _system = new SesphrSystem(
            new Dictionary<string, string>(),
            new Dictionary<string, string> { ["Srs__PendingGrantSweepInterval"] = "00:00:01" },
            _cluster.AdminConnectionString);
        await _system.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _system.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task Given_users_at_work_When_PostgreSQL_restarts_Then_both_services_answer_503_with_Retry_After_and_recover_by_themselves()
    {
        using var patient = await _system.NewPatientAsync("pgrestart");
        var grants = PatientGrants.Open(patient, _system.JournalFolder(patient));
        var record = new PatientRecord(patient, grants.Book);
        var planted = await PlantedRecord.WriteAsync(record);
        var pulse = (Observation)planted.Resources[Phr.Sections.PhrSection.Vitals];
        var sealedPulse = record.Seal(pulse);
        using var probes = new Probes(_system, patient.Username, () => patient.RequireAccessToken, pulse.Id!, sealedPulse);

        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, 4).Select(_ => probes.RunAsync(stop.Token)).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(1));
        await _cluster.StopAsync();
        await probes.WaitForUnavailableAsync(TimeSpan.FromSeconds(30));
        await _cluster.StartAsync();
        var recovered = await probes.WaitForAllAnsweringAsync(Recovery);
        await stop.CancelAsync();
        await Task.WhenAll(load);

        probes.ServerErrors.ShouldBeEmpty();
        probes.UnavailableWithoutRetryAfter.ShouldBeEmpty();
        probes.Unavailable.Keys.ShouldBe(Probes.Names, ignoreOrder: true);
        recovered.ShouldBeTrue($"not every call succeeded within {Recovery.TotalSeconds} s of PostgreSQL's restart: {probes.LastStatuses()}");
        _system.FhirServer.IsRunning.ShouldBeTrue();
        _system.Srs.IsRunning.ShouldBeTrue();
    }

    /// <summary>
    /// The calls of the load, each of which needs the database: the patient's read and write at the
    /// FhirServer, and at the SRS the patient's KDF settings and the FhirServer's client-credentials token.
    /// </summary>
    private sealed class Probes(SesphrSystem system, string username, Func<string> token, string pulseId, Resource sealedPulse) : IDisposable
    {
        public static readonly string[] Names = ["fhir-read", "fhir-write", "srs-kdf", "srs-token"];

        private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
        private readonly string _pulseJson = new FhirJsonSerializer().SerializeToString(sealedPulse);
        private readonly ConcurrentDictionary<string, int> _last = new();

        public ConcurrentBag<string> ServerErrors { get; } = [];

        public ConcurrentBag<string> UnavailableWithoutRetryAfter { get; } = [];

        /// <summary>Per call, a 503 it got (with its content type), once PostgreSQL was stopped.</summary>
        public ConcurrentDictionary<string, string> Unavailable { get; } = new();

        public string LastStatuses() => string.Join(", ", _last.Select(p => $"{p.Key} {p.Value}"));

        public async Task RunAsync(CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var name in Names)
                {
                    await ProbeAsync(name);
                }
            }
        }

        public async Task WaitForUnavailableAsync(TimeSpan patience)
        {
            var deadline = DateTime.UtcNow + patience;
            while (Unavailable.Count < Names.Length && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }

        /// <summary>Waits until every call answered 2xx at its last try (after PostgreSQL is back).</summary>
        public async Task<bool> WaitForAllAnsweringAsync(TimeSpan patience)
        {
            _last.Clear();
            var deadline = DateTime.UtcNow + patience;
            while (DateTime.UtcNow < deadline)
            {
                if (Names.All(n => _last.TryGetValue(n, out var status) && status is >= 200 and < 300))
                {
                    return true;
                }

                await Task.Delay(200);
            }

            return false;
        }

        public void Dispose() => _http.Dispose();

        private async Task ProbeAsync(string name)
        {
            using var request = Request(name);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request);
            }
            catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException)
            {
                ServerErrors.Add($"{name}: no answer ({failure.GetType().Name})");
                return;
            }

            using (response)
            {
                var status = (int)response.StatusCode;
                _last[name] = status;
                var body = await response.Content.ReadAsStringAsync();
                if (status >= 500 && status != 503)
                {
                    ServerErrors.Add($"{name}: {status} {body[..Math.Min(body.Length, 300)]}");
                }

                if (status == 503)
                {
                    if (response.Headers.RetryAfter is null)
                    {
                        UnavailableWithoutRetryAfter.Add(name);
                    }

                    var type = response.Content.Headers.ContentType?.MediaType ?? "";
                    var expected = name.StartsWith("fhir", StringComparison.Ordinal) ? "application/fhir+json" : "application/problem+json";
                    type.ShouldBe(expected, $"{name}: 503 {body}");
                    if (name.StartsWith("fhir", StringComparison.Ordinal))
                    {
                        body.ShouldContain("OperationOutcome");
                    }

                    Unavailable.TryAdd(name, type);
                }
            }
        }

        private HttpRequestMessage Request(string name)
        {
            var fhir = system.Endpoints.Fhir;
            var srs = system.Srs.BaseAddress;
            var request = name switch
            {
                "fhir-read" => new HttpRequestMessage(HttpMethod.Get, new Uri(fhir, $"Observation/{pulseId}")),
                "fhir-write" => new HttpRequestMessage(HttpMethod.Put, new Uri(fhir, $"Observation/{pulseId}"))
                {
                    Content = new StringContent(_pulseJson, Encoding.UTF8, "application/fhir+json"),
                },
                "srs-kdf" => new HttpRequestMessage(HttpMethod.Get, new Uri(srs, $"api/accounts/kdf?username={Uri.EscapeDataString(username)}")),
                _ => new HttpRequestMessage(HttpMethod.Post, new Uri(srs, "connect/token"))
                {
                    Content = new FormUrlEncodedContent(new Dictionary<string, string>
                    {
                        ["grant_type"] = "client_credentials",
                        ["client_id"] = "sesphr-fhir",
                        ["client_secret"] = system.ServiceSecret,
                        ["scope"] = "srs.reencrypt",
                    }),
                },
            };
            if (name.StartsWith("fhir", StringComparison.Ordinal))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token());
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
            }

            return request;
        }
    }
}
