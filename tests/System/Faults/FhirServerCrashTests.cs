using System.Collections.Concurrent;
using System.Net;
using Hl7.Fhir.Model;
using SeSPHR.Client.Fhir;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Records;
using SeSPHR.SystemTests.Infrastructure;
using SeSPHR.SystemTests.Scenarios.Support;
using Task = System.Threading.Tasks.Task;

namespace SeSPHR.SystemTests.Faults;

/// <summary>
/// The FhirServer is SIGKILLed while a patient's client writes sealed resources from several
/// connections at once: creates, updates and transaction Bundles. After a restart on the same
/// database every write the server acknowledged is there at its version with its value, a Bundle is
/// there whole or not at all, and the database holds no resource without its search values and no
/// search value without its resource.
/// </summary>
[Collection(RunningSystemGroup.Name)]
public sealed class FhirServerCrashTests(SesphrSystem system)
{
    private const int Writers = 6;
    private const int AcknowledgedBeforeCrash = 60;

    [Fact]
    public async Task Given_concurrent_sealed_writes_When_the_FhirServer_is_SIGKILLed_and_restarted_Then_every_acknowledged_write_is_there_and_nothing_is_half_there()
    {
        using var patient = await system.NewPatientAsync("crash");
        var grants = PatientGrants.Open(patient, system.JournalFolder(patient));
        var record = new PatientRecord(patient, grants.Book);
        var planted = await PlantedRecord.WriteAsync(record);
        var load = new WriteLoad(record, (Observation)planted.Resources[Phr.Sections.PhrSection.Vitals], "crash-" + Guid.NewGuid().ToString("N")[..8]);

        var writers = Enumerable.Range(0, Writers).Select(load.RunAsync).ToArray();
        await load.WaitForAcknowledgedAsync(AcknowledgedBeforeCrash, TimeSpan.FromMinutes(2));
        system.FhirServer.Crash();
        await Task.WhenAll(writers);
        await system.FhirServer.StartAsync();

        load.Acknowledged.Count.ShouldBeGreaterThanOrEqualTo(AcknowledgedBeforeCrash);
        load.Failed.ShouldBeGreaterThan(0, "the crash interrupted no write: it did not happen under load");
        foreach (var write in load.Acknowledged)
        {
            var version = await patient.Fhir.VReadAsync("Observation", write.Id, write.Version);
            version.Status.ShouldBe(HttpStatusCode.OK, $"acknowledged {write.Id} version {write.Version}: {GranteeReads.Snippet(version)}");
            ValueOf(record, version).ShouldBe(write.Value, $"{write.Id} version {write.Version}");
        }

        foreach (var bundle in load.Bundles)
        {
            var present = new List<string>();
            foreach (var id in bundle)
            {
                var read = await patient.Fhir.ReadAsync("Observation", id);
                read.Status.ShouldBeOneOf([HttpStatusCode.OK, HttpStatusCode.NotFound], $"{id}: {GranteeReads.Snippet(read)}");
                if (read.Status == HttpStatusCode.OK)
                {
                    present.Add(id);
                }
            }

            present.Count.ShouldBeOneOf([0, bundle.Count], $"a transaction Bundle is half there: {string.Join(", ", present)} of {string.Join(", ", bundle)}");
        }

        (await HalfWrittenRowsAsync(load.Prefix)).ShouldBeEmpty();
    }

    private static decimal? ValueOf(PatientRecord record, FhirResponse response) =>
        ((Quantity)((Observation)record.OpenOwn(response.Resource!)).Value!).Value;

    /// <summary>Resources of the run without their subject's search value, and search values of any table whose resource row is missing.</summary>
    private async Task<List<string>> HalfWrittenRowsAsync(string prefix)
    {
        var problems = new List<string>();
        var withoutIndex = await system.FhirDatabase.ScalarAsync<long>(
            $"""
            select count(*) from {Tables.Resources} r
            where r.logical_id like '{prefix}%' and not r.is_deleted
              and (not exists (select 1 from fhir.search_reference s where s.resource_id = r.id)
                   or not exists (select 1 from fhir.search_token s where s.resource_id = r.id))
            """);
        if (withoutIndex > 0)
        {
            problems.Add($"{withoutIndex} resources without search values");
        }

        foreach (var table in new[] { "fhir.search_reference", "fhir.search_token", "fhir.search_date", "fhir.search_string" })
        {
            var orphans = await system.FhirDatabase.ScalarAsync<long>(
                $"select count(*) from {table} s where not exists (select 1 from {Tables.Resources} r where r.id = s.resource_id)");
            if (orphans > 0)
            {
                problems.Add($"{orphans} rows of {table} without their resource");
            }
        }

        return problems;
    }

    private static class Tables
    {
        public const string Resources = "fhir.mt_doc_storedresource";
    }

    /// <summary>One write the server acknowledged: the resource's id, the version it answered and the value sealed in it.</summary>
    private sealed record AcknowledgedWrite(string Id, string Version, decimal Value);

    /// <summary>
    /// Writers that each create, update and send transaction Bundles of pulse Observations, every one
    /// with a value of its own, until the server stops answering.
    /// </summary>
    private sealed class WriteLoad(PatientRecord record, Observation template, string prefix)
    {
        private int _nextValue;
        private int _failed;

        public string Prefix => prefix;

        public ConcurrentBag<AcknowledgedWrite> Acknowledged { get; } = [];

        /// <summary>The ids of every transaction Bundle sent, acknowledged or not.</summary>
        public ConcurrentBag<IReadOnlyList<string>> Bundles { get; } = [];

        public int Failed => _failed;

        public async Task WaitForAcknowledgedAsync(int count, TimeSpan patience)
        {
            var deadline = DateTime.UtcNow + patience;
            while (Acknowledged.Count < count)
            {
                DateTime.UtcNow.ShouldBeLessThan(deadline, $"only {Acknowledged.Count} writes acknowledged, {_failed} failed");
                await Task.Delay(20);
            }
        }

        public async Task RunAsync(int writer)
        {
            for (var round = 0; ; round++)
            {
                var id = $"{prefix}-{writer}-{round}";
                var written = round % 3 == 2
                    ? await TransactionAsync(id)
                    : await PutAsync(id) && await PutAsync(id);
                if (!written)
                {
                    return;
                }
            }
        }

        private async Task<bool> PutAsync(string id)
        {
            var pulse = Pulse(id, out var value);
            var response = await SendAsync(() => record.WriteAsync(pulse));
            if (response?.Resource?.Meta?.VersionId is not { } version || !response.IsSuccess)
            {
                return false;
            }

            Acknowledged.Add(new AcknowledgedWrite(id, version, value));
            return true;
        }

        private async Task<bool> TransactionAsync(string id)
        {
            var pulses = Enumerable.Range(0, 3).Select(i => (Id: $"{id}-b{i}", Resource: Pulse($"{id}-b{i}", out var value), Value: value)).ToList();
            Bundles.Add([.. pulses.Select(p => p.Id)]);
            var bundle = new Bundle
            {
                Type = Bundle.BundleType.Transaction,
                Entry = [.. pulses.Select(p => new Bundle.EntryComponent
                {
                    FullUrl = $"urn:uuid:{Guid.NewGuid()}",
                    Resource = record.Seal(p.Resource),
                    Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"Observation/{p.Id}" },
                })],
            };
            var response = await SendAsync(() => record.Patient.Fhir.TransactionAsync(bundle));
            if (response is not { IsSuccess: true, Resource: Bundle answered })
            {
                return false;
            }

            for (var i = 0; i < pulses.Count; i++)
            {
                var etag = answered.Entry[i].Response?.Etag ?? throw new InvalidOperationException($"the transaction's answer has no ETag for {pulses[i].Id}");
                var version = etag.Trim('W', '/', '"');
                Acknowledged.Add(new AcknowledgedWrite(pulses[i].Id, version, pulses[i].Value));
            }

            return true;
        }

        private Observation Pulse(string id, out decimal value)
        {
            var pulse = (Observation)template.DeepCopy();
            pulse.Id = id;
            value = 40 + (Interlocked.Increment(ref _nextValue) / 100m);
            pulse.Value = new Quantity(value, "/min");
            return pulse;
        }

        // Anything but an answer (refused connection, reset, timeout) is a write the server did not acknowledge.
        private async Task<FhirResponse?> SendAsync(Func<Task<FhirResponse>> send)
        {
            try
            {
                var response = await send();
                if (!response.IsSuccess)
                {
                    Interlocked.Increment(ref _failed);
                    (response.Status == HttpStatusCode.ServiceUnavailable || (int)response.Status < 500)
                        .ShouldBeTrue($"a write answered {(int)response.Status}: {GranteeReads.Snippet(response)}");
                }

                return response;
            }
            catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException)
            {
                Interlocked.Increment(ref _failed);
                return null;
            }
        }
    }
}
