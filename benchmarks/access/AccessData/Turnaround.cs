using System.Diagnostics;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using SeSPHR.Client.Fhir;
using SeSPHR.Client.Records;

namespace SeSPHR.AccessData;

/// <summary>
/// The paper's upload and download turnaround (its Fig. 6) with the real processes on loopback, the
/// way a user's client does it: the patient's sealed Firely client PUTs a DocumentReference whose
/// attachment is the file (medical section: sealed, signed, stored through the FhirServer) and reads
/// it back opened; the granted doctor reads it through its own sealed client, cold (the FhirServer asks
/// the SRS to re-encrypt the capsule) and warm (the FhirServer replays the cfrag it was issued). Each
/// time runs from the call to the opened resource in hand, with the content checked.
/// </summary>
internal static class Turnaround
{
    public static async Task<int> RunAsync(string folder, IReadOnlyList<int> sizesKiB, int rounds, string output)
    {
        using var session = await BenchSession.OpenAsync(folder);
        var (patient, doctor, grants) = (session.Patient, session.Doctor, session.Grants);
        var patientClient = new PatientRecord(patient, grants.Book).CreateFhirClient();
        var doctorClient = doctor.CreateFhirClient();
        var subject = new ResourceReference(patient.FhirUser);

        // One untimed pass first: connections, JIT and the clients' key caches warm, as for a user
        // who has been signed in for a while.
        await MeasureAsync(patientClient, doctorClient, subject, sizesKiB[0]);
        var rows = new List<TurnaroundRow>();
        foreach (var kib in sizesKiB)
        {
            for (var round = 0; round < rounds; round++)
            {
                rows.Add(await MeasureAsync(patientClient, doctorClient, subject, kib));
            }

            Console.Error.WriteLine($"access-data: turnaround at {kib} KiB measured {rounds} times");
        }

        await File.WriteAllTextAsync(output, JsonSerializer.Serialize(rows, BenchSession.Json));
        return 0;
    }

    private static async Task<TurnaroundRow> MeasureAsync(FhirClient patientClient, FhirClient doctorClient, ResourceReference subject, int kib)
    {
        var file = new byte[kib * 1024];
        Random.Shared.NextBytes(file);
        var document = new DocumentReference
        {
            Id = Guid.NewGuid().ToString("N"),
            Status = DocumentReferenceStatus.Current,
            Subject = subject,
            Description = "Benchmark file",
            Content = [new DocumentReference.ContentComponent { Attachment = new Attachment { ContentType = "application/octet-stream", Data = file } }],
        };
        var path = $"DocumentReference/{document.Id}";

        var upload = await TimeAsync(() => patientClient.UpdateAsync(document));
        var patientDownload = await TimeAsync(() => ReadOpenedAsync(patientClient, path, file));
        var doctorCold = await TimeAsync(() => ReadOpenedAsync(doctorClient, path, file));
        var doctorWarm = await TimeAsync(() => ReadOpenedAsync(doctorClient, path, file));
        return new TurnaroundRow(kib, upload, patientDownload, doctorCold, doctorWarm);
    }

    private static async Task<DocumentReference> ReadOpenedAsync(FhirClient client, string path, byte[] expected)
    {
        var read = await client.ReadAsync<DocumentReference>(path) ?? throw new InvalidOperationException($"{path} read as nothing");
        if (read.SealedSections().Count > 0 || !read.Content[0].Attachment.Data.AsSpan().SequenceEqual(expected))
        {
            throw new InvalidOperationException($"{path} did not open to the file that was stored");
        }

        return read;
    }

    private static async Task<double> TimeAsync<T>(Func<Task<T>> call)
    {
        var clock = Stopwatch.StartNew();
        _ = await call();
        return clock.Elapsed.TotalSeconds;
    }
}

/// <summary>One round at one size, in seconds.</summary>
internal sealed record TurnaroundRow(int KiB, double Upload, double PatientDownload, double DoctorCold, double DoctorWarm);
