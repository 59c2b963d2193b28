using System.Text.Json;
using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using SeSPHR.Phr.Envelopes;
using SeSPHR.Phr.Sections;
using SeSPHR.Client.Accounts;
using SeSPHR.Client.Grants;
using SeSPHR.Client.Reading;
using SeSPHR.Client.Records;

namespace SeSPHR.SystemTests.GrantClient;

/// <summary>
/// <c>./sesphr as USER PATH</c>: one GET through the FhirServer as a demo user, shown as that user's
/// client sees it after decryption. It signs in the way every client does (password-derived secret,
/// authorization code with PKCE, keys restored from the SRS's wrapped backup), opens the patient's
/// own sections with the patient's keys and a grantee's with the cfrags the FhirServer attached, and
/// prints each resource with the sections it opened and those it could not.
/// </summary>
public static class DemoReader
{
    private sealed record Job(string Srs, string Fhir, string Username, string Password, string Role, string FhirUser, string Path);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task<int> RunAsync()
    {
        var job = JsonSerializer.Deserialize<Job>(Console.ReadLine() ?? "", Json) ?? throw new InvalidOperationException("no job on stdin");
        var endpoints = new SystemEndpoints(new Uri(job.Srs), new Uri(job.Fhir.TrimEnd('/') + "/"));
        using var user = await PhrUser.SignInAsync(endpoints, job.Username, job.Password, job.Role, job.FhirUser);
        var response = await user.Fhir.SendAsync(HttpMethod.Get, job.Path.TrimStart('/'));
        Console.WriteLine($"GET {job.Path} as {user}: {(int)response.Status} {response.Status}");
        if (response.Resource is null || !response.IsSuccess)
        {
            Console.WriteLine(response.Body);
            return response.IsSuccess ? 0 : 1;
        }

        var resources = response.Resource is Bundle bundle
            ? bundle.Entry.Select(e => e.Resource).OfType<Resource>().ToList()
            : [response.Resource];
        if (response.Resource is Bundle { Total: { } total })
        {
            Console.WriteLine($"Bundle.total = {total}, {resources.Count} in this page");
        }

        var reader = new GranteeReader(user);
        var learned = new HashSet<string>(StringComparer.Ordinal);
        var serializer = new FhirJsonSerializer();
        foreach (var resource in resources)
        {
            var (shown, note) = await OpenAsync(user, reader, learned, resource);
            Console.WriteLine($"--- {resource.TypeName}/{resource.Id}: {note}");
            using var document = JsonDocument.Parse(serializer.SerializeToString(shown));
            Console.WriteLine(JsonSerializer.Serialize(document.RootElement, Indented));
        }

        return 0;
    }

    private static async Task<(Resource Shown, string Note)> OpenAsync(PhrUser user, GranteeReader reader, HashSet<string> learned, Resource resource)
    {
        if (resource is not DomainResource domain || EncryptedSectionExtension.ReadAll(domain).Count == 0)
        {
            // The confidentiality label stays when the server strips the envelopes this reader may not have.
            var masked = resource.Meta?.Security.Any(label => label.System == "http://terminology.hl7.org/CodeSystem/v3-Confidentiality") == true;
            return (resource, masked ? "protected sections withheld by the server (masked)" : "no sealed sections");
        }

        var patient = PatientOf(resource);
        if (patient == user.FhirUser)
        {
            var own = new PatientRecord(user, new GrantBook { PatientUserId = user.RequireUserId, PatientFhirUser = user.FhirUser });
            return (own.OpenOwn(resource), "the patient's own record, every section opened");
        }

        if (patient is null)
        {
            return (resource, "sealed, and no patient to learn grants from");
        }

        if (learned.Add(patient))
        {
            await reader.LearnAsync(patient);
        }

        var opened = reader.Open(patient, resource);
        return (opened.Resource,
            $"opened [{string.Join(", ", opened.Opened.Select(s => s.ToCode()))}], still sealed [{string.Join(", ", opened.StillSealed.Select(s => s.ToCode()))}]");
    }

    private static string? PatientOf(Resource resource) => resource is Patient patient
        ? "Patient/" + patient.Id
        : resource.Select("descendants().ofType(Reference).reference")
            .Select(node => node?.ToString())
            .FirstOrDefault(reference => reference?.StartsWith("Patient/", StringComparison.Ordinal) == true);
}
