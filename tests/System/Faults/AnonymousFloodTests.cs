using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Hl7.Fhir.Model;
using SeSPHR.Phr.Sections;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Reading;
using SeSPHR.Client.Records;
using SeSPHR.SystemTests.Infrastructure;
using SeSPHR.SystemTests.Scenarios.Support;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.SystemTests.Faults;

/// <summary>
/// Callers without an account send the SRS's anonymous and re-encryption endpoints as much as they
/// can, for a bounded time, while a granted doctor reads resources the patient has just written (so
/// the FhirServer must ask the SRS for every read: no cfrag to replay). An unauthenticated call
/// costs nothing an authenticated caller needs: every read of the doctor succeeds.
/// </summary>
[Collection(RunningSystemGroup.Name)]
public sealed class AnonymousFloodTests(SesphrSystem system)
{
    private const int FloodConnections = 16;
    private const int NewResources = 24;

    [Fact]
    public async Task Given_a_granted_doctor_When_anonymous_callers_flood_the_SRS_Then_the_doctors_reads_of_new_resources_keep_succeeding()
    {
        using var patient = await system.NewPatientAsync("flooded");
        using var doctor = await system.NewMemberAsync("doctor", SrsRoles.Practitioner);
        var grants = PatientGrants.Open(patient, system.JournalFolder(patient));
        var record = new PatientRecord(patient, grants.Book);
        var planted = await PlantedRecord.WriteAsync(record);
        await grants.GrantAsync(doctor.FhirUser, doctor.Keys.Fingerprint, [PhrSection.Vitals]);
        var reader = new GranteeReader(doctor);
        await reader.LearnAsync(patient.FhirUser);
        var ids = await WriteNewPulsesAsync(record, (Observation)planted.Resources[PhrSection.Vitals]);

        using var flood = new AnonymousFlood(system.Srs.BaseAddress);
        using var stop = new CancellationTokenSource();
        var flooders = Enumerable.Range(0, FloodConnections).Select(i => flood.RunAsync(i, stop.Token)).ToArray();
        await flood.WaitForAnswersAsync(200, TimeSpan.FromSeconds(30));
        var refused = new List<string>();
        foreach (var id in ids)
        {
            var read = await doctor.Fhir.ReadAsync("Observation", id);
            if (read.Status != HttpStatusCode.OK)
            {
                refused.Add($"{id}: {(int)read.Status} {GranteeReads.Snippet(read)}");
            }
        }

        await stop.CancelAsync();
        await Task.WhenAll(flooders);

        refused.ShouldBeEmpty($"the doctor's reads of new resources during the flood (the flood's answers: {flood.Summary()})");
        flood.ServerErrors.ShouldBe(0, $"the flood's answers: {flood.Summary()}");
        (await reader.ReadAndOpenAsync(doctor, patient.FhirUser, "Observation", ids[^1])).Opened.ShouldBe([PhrSection.Vitals]);
    }

    private static async Task<List<string>> WriteNewPulsesAsync(PatientRecord record, Observation template)
    {
        var ids = new List<string>();
        for (var i = 0; i < NewResources; i++)
        {
            var pulse = (Observation)template.DeepCopy();
            pulse.Id = $"flood-{i}-{Guid.NewGuid():N}"[..24];
            pulse.Value = new Quantity(70 + i, "/min");
            var written = await record.WriteAsync(pulse);
            written.IsSuccess.ShouldBeTrue($"{(int)written.Status} {GranteeReads.Snippet(written)}");
            ids.Add(pulse.Id);
        }

        return ids;
    }

    /// <summary>
    /// Unauthenticated calls to the SRS: mostly re-encryption with an empty body, and KDF look-ups. Not
    /// sign-in, registration or tokens: the harness raises their per-address limits for its own users.
    /// </summary>
    private sealed class AnonymousFlood(Uri srs) : IDisposable
    {
        private readonly HttpClient _http = new() { BaseAddress = srs, Timeout = TimeSpan.FromSeconds(30) };
        private readonly ConcurrentDictionary<int, int> _statuses = new();
        private int _answers;

        public int ServerErrors => _statuses.Where(s => s.Key >= 500).Sum(s => s.Value);

        public string Summary() => string.Join(", ", _statuses.OrderBy(s => s.Key).Select(s => $"{s.Value} × {s.Key}"));

        public async Task WaitForAnswersAsync(int count, TimeSpan patience)
        {
            var deadline = DateTime.UtcNow + patience;
            while (Volatile.Read(ref _answers) < count && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }

        public async Task RunAsync(int flooder, CancellationToken stop)
        {
            for (var call = flooder; !stop.IsCancellationRequested; call++)
            {
                try
                {
                    using var response = await _http.SendAsync(Request(call), stop);
                    _statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                    Interlocked.Increment(ref _answers);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
            }
        }

        public void Dispose() => _http.Dispose();

        private static HttpRequestMessage Request(int call) => call % 4 == 3
            ? new HttpRequestMessage(HttpMethod.Get, $"api/accounts/kdf?username=nobody-{call}")
            : new HttpRequestMessage(HttpMethod.Post, "api/reencrypt") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
    }
}
